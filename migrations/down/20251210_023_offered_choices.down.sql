-- Reverts 023.
DROP TABLE IF EXISTS workroom.offered_choices;
