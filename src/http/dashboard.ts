export const DASHBOARD_HTML = '<!doctype html><title>hexad</title>';
