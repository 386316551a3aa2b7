-- Reverts 001. Later migrations must have been reverted first.
DROP TABLE IF EXISTS agency.campaign_phases;
DROP TABLE IF EXISTS agency.campaigns;
DROP TABLE IF EXISTS agency.brands;
DROP TABLE IF EXISTS agency.clients;
DROP FUNCTION IF EXISTS agency.set_updated_at();
DROP SCHEMA IF EXISTS agency;
