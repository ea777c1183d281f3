-- title: Просроченные планы по регионам
-- description: Сколько планов по устранению недостатков в каждом регионе не утверждено или не размещено в срок (просрочено), сколько исполнено с опозданием и сколько в срок — по вердиктам этого выпуска. English: overdue plans by region.
SELECT region AS "Регион",
  SUM(status = 'overdue') AS "Просрочено",
  SUM(status = 'late') AS "С опозданием",
  SUM(status = 'on_time') AS "В срок",
  SUM(status IN ('pending', 'unknown', 'invalid_data')) AS "Не установить или срок не наступил",
  COUNT(DISTINCT institution_id) AS "Учреждений"
FROM compliance
WHERE obligation IN ('plan_approved', 'plan_posted')
GROUP BY region
ORDER BY "Просрочено" DESC, "С опозданием" DESC, region
