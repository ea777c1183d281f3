-- title: Новые нарушения
-- description: Новые нарушения этого выпуска: кто опоздал или просрочил срок, у кого пропал или перестал работать объект на сайте, кто ссылается на чужую карточку bus.gov.ru. Те же записи — в ленте Atom. English: new violations (also as an Atom feed).
SELECT region, institution_id, name, change, subject, old_value, new_value, release
FROM changes
WHERE violation = 1
ORDER BY region, name, subject
