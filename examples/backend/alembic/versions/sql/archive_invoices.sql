-- Loaded by 2024_04_09_7a8b9c0d1e2f_archive_old_invoices.py at run time.
DELETE FROM invoices WHERE created_at < now() - interval '2 years';
