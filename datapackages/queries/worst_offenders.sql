-- title: Худшие нарушители: дольше всех просрочен срок
-- description: Просроченные обязанности (план, предложения, размещение), дольше всего не исполненные: на сколько дней просрочено на дату выпуска, какой был срок и почему вердикт такой. Правовое основание — на странице учреждения. Укажите регион (код, например RU-TOM), чтобы увидеть только его; без региона — по всей стране (вымышленные демонстрационные регионы в общий список не входят). English: worst offenders, overdue longest first.
SELECT c.days_late AS "Дней просрочки", c.institution_id, c.name AS "Учреждение",
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
ORDER BY c.days_late DESC, c.region, c.name
LIMIT 500
