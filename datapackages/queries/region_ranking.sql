-- title: Рейтинг регионов
-- description: Регионы по доле учреждений, у которых при последней проверке на сайте есть план по устранению недостатков, работающая анкета и верная ссылка на свою карточку bus.gov.ru; балл — среднее трёх долей. English: region ranking.
WITH per_institution AS (
  SELECT i.id, i.region,
    MAX(f.item = 'improvement_plan' AND f.status = 'found') AS plan,
    MAX(f.item = 'survey_form' AND f.status = 'live') AS survey,
    MAX(f.item = 'bus_gov_link' AND f.status = 'found') AS bus
  FROM institutions i
  LEFT JOIN findings f ON f.institution_id = i.id
  WHERE i.kind = 'institution'
  GROUP BY i.id
),
per_region AS (
  SELECT region, COUNT(*) AS institutions,
    ROUND(100.0 * COALESCE(SUM(plan), 0) / COUNT(*), 1) AS plan_pct,
    ROUND(100.0 * COALESCE(SUM(survey), 0) / COUNT(*), 1) AS survey_pct,
    ROUND(100.0 * COALESCE(SUM(bus), 0) / COUNT(*), 1) AS bus_pct
  FROM per_institution
  GROUP BY region
)
SELECT RANK() OVER (ORDER BY (plan_pct + survey_pct + bus_pct) / 3 DESC) AS "Место",
  region AS "Регион", institutions AS "Учреждений", plan_pct AS "План, %",
  survey_pct AS "Анкета, %", bus_pct AS "Ссылка bus.gov.ru, %",
  ROUND((plan_pct + survey_pct + bus_pct) / 3, 1) AS "Балл"
FROM per_region
ORDER BY "Место", region
