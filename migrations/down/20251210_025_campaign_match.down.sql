-- Reverts 025: the shortlist function and the trigram indexes. pg_trgm itself stays installed (it
-- may have been there before, and other objects may use it).
DROP FUNCTION agency.campaign_shortlist(text[], text, integer);
DROP INDEX agency.idx_campaigns_name_trgm;
DROP INDEX agency.idx_campaigns_code_trgm;
DROP INDEX agency.idx_clients_name_trgm;
DROP INDEX agency.idx_brands_name_trgm;
DROP INDEX agency.idx_campaigns_tenant_name;
