-- title: Ссылки на чужую карточку bus.gov.ru
-- description: Учреждения, чей сайт ссылается на карточку другого учреждения на bus.gov.ru вместо своей. English: bus.gov.ru links to the wrong card.
SELECT i.id, i.name, i.region, i.sphere, i.bus_gov_id AS own_card_id, f.url, f.matched_text,
  f.checked_at
FROM findings f
JOIN institutions i ON i.id = f.institution_id
WHERE f.item = 'bus_gov_link' AND f.status = 'mismatch'
ORDER BY i.region, i.name
