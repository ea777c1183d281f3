-- title: Учреждения без работающей анкеты для интернет-опроса
-- description: Учреждения, на сайте которых при последней проверке не нашлось работающей анкеты для интернет-опроса (анкета не найдена, не работает, сайт недоступен или ещё не проверялся). English: institutions without a live survey form.
SELECT i.id, i.name, i.region, i.sphere, i.founder, i.website,
  COALESCE(f.status, 'not_checked') AS survey_form, f.url, f.error, f.checked_at
FROM institutions i
LEFT JOIN findings f ON f.institution_id = i.id AND f.item = 'survey_form'
WHERE i.kind = 'institution' AND (f.status IS NULL OR f.status != 'live')
ORDER BY i.region, i.name
