package web_test

// auditRouteCases are the route × role rows of the audit, corrective
// action and evidence pages (audit_pages.go and the files it registers).
var auditRouteCases = []routeCase{}
