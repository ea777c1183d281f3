-- title: Что изменилось с прошлого выпуска
-- description: Учреждения добавлены и удалены, вердикты и результаты проверок изменились по сравнению с предыдущим выпуском; сначала новые нарушения, потом исправления. English: what changed since the last release.
SELECT change, region, institution_id, name, subject, old_value, new_value, violation, fixed,
  previous, release
FROM changes
ORDER BY violation DESC, fixed DESC, change, region, name
