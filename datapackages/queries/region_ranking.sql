-- title: Рейтинг регионов
-- description: Регионы по доле учреждений, у которых при последней проверке на сайте есть план по устранению недостатков, работающая анкета и верная ссылка на свою карточку bus.gov.ru; доли считаются среди проверенных сайтов, балл — среднее трёх долей. Регион, где не удалось проверить ни одного сайта, балла не получает («не проверено») и стоит после оценённых; охват — проверено сайтов из числа учреждений. Вымышленные (демонстрационные) регионы в рейтинг не входят и показаны последними с пометкой. English: region ranking; unchecked regions get no score.
WITH per_institution AS (
  SELECT i.id, i.region,
    MAX(f.status NOT IN ('site_unreachable', 'blocked_by_robots')) AS checked,
    MAX(f.item = 'improvement_plan' AND f.status = 'found') AS plan,
    MAX(f.item = 'survey_form' AND f.status = 'live') AS survey,
    MAX(f.item = 'bus_gov_link' AND f.status = 'found') AS bus
  FROM institutions i
  LEFT JOIN findings f ON f.institution_id = i.id
  WHERE i.kind = 'institution'
  GROUP BY i.id
),
per_region AS (
  SELECT p.region, r.name, COALESCE(r.fictional, 0) AS fictional, COUNT(*) AS institutions,
    COALESCE(SUM(p.checked), 0) AS checked,
    ROUND(100.0 * SUM(p.plan) / NULLIF(SUM(p.checked), 0), 1) AS plan_pct,
    ROUND(100.0 * SUM(p.survey) / NULLIF(SUM(p.checked), 0), 1) AS survey_pct,
    ROUND(100.0 * SUM(p.bus) / NULLIF(SUM(p.checked), 0), 1) AS bus_pct
  FROM per_institution p
  LEFT JOIN regions r ON r.code = p.region
  GROUP BY p.region
),
scored AS (
  SELECT *, ROUND((plan_pct + survey_pct + bus_pct) / 3, 1) AS score,
    (checked > 0 AND NOT fictional) AS ranked
  FROM per_region
)
SELECT CASE WHEN ranked THEN RANK() OVER (PARTITION BY ranked ORDER BY score DESC) END AS "Место",
  region AS "Регион", name AS "Название",
  CASE WHEN fictional THEN 'вымышленные данные (демо)'
    WHEN checked = 0 THEN 'не проверено: ни один сайт не удалось проверить'
    ELSE '' END AS "Пометка",
  checked || ' из ' || institutions AS "Проверено сайтов",
  plan_pct AS "План, %", survey_pct AS "Анкета, %", bus_pct AS "Ссылка bus.gov.ru, %",
  score AS "Балл"
FROM scored
ORDER BY fictional, ranked DESC, "Место", region
