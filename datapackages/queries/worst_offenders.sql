-- title: Худшие нарушители: дольше всех просрочен срок
-- description: Просроченные обязанности (план, предложения, размещение), дольше всего не исполненные: на сколько дней просрочено на дату выпуска (не меньше чем; «от … до …», когда срок известен только в пределах промежутка; пусто у постоянных обязанностей без срока — они в конце), какой был срок и почему вердикт такой. Правовое основание — на странице учреждения. Укажите регион (код, например RU-TOM), чтобы увидеть только его; без региона — по всей стране (вымышленные демонстрационные регионы в общий список не входят). English: worst offenders, overdue longest first.
SELECT COALESCE(c.days_late, c.days_late_min) AS "Дней просрочки",
  CASE WHEN c.days_late IS NULL AND c.days_late_max > c.days_late_min
    THEN 'от ' || c.days_late_min || ' до ' || c.days_late_max ELSE '' END AS "Точнее",
  c.institution_id, c.name AS "Учреждение",
  c.region AS "Регион",
  CASE WHEN r.fictional THEN 'вымышленные данные (демо)' ELSE '' END AS "Пометка",
  COALESCE(o.description, c.obligation) AS "Обязанность",
  strftime('%d.%m.%Y', c.due_date) AS "Срок", c.reason AS "Почему"
FROM compliance c
LEFT JOIN regions r ON r.code = c.region
LEFT JOIN obligations o ON o.institution_id = c.institution_id AND o.profile = c.profile
  AND o.obligation = c.obligation AND o.period = c.period
WHERE c.status = 'overdue'
  AND (:region = '' AND NOT COALESCE(r.fictional, 0) OR c.region = :region)
ORDER BY COALESCE(c.days_late, c.days_late_min) IS NULL, "Дней просрочки" DESC, c.region, c.name
LIMIT 500
