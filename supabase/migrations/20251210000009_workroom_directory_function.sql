-- 009 · The directory as an operator sees it (`workroom people`), without reading tenant tables as
-- the owner from application code: a narrow SECURITY DEFINER function that returns names,
-- e-mails, roles and capacity (never rates), for one tenant or all.

CREATE OR REPLACE FUNCTION workroom.directory(p_tenant_slug text DEFAULT NULL)
RETURNS TABLE (name text, email text, role text, tenant text, department text, weekly_capacity_hours numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, workroom AS $$
  SELECT p.display_name, p.email, p.role, t.slug, p.department, p.weekly_capacity_hours
    FROM workroom.people p JOIN workroom.tenants t ON t.id = p.tenant_id
   WHERE p.is_active AND (p_tenant_slug IS NULL OR t.slug = p_tenant_slug)
   ORDER BY t.slug, p.role, p.display_name;
$$;
-- Operators only: the application role must not list other tenants' people.
REVOKE EXECUTE ON FUNCTION workroom.directory(text) FROM PUBLIC;
