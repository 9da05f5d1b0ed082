package web_test

// inspectionRouteCases are the route × role rows of the self-inspection
// pages (inspection_pages.go and the files it registers).
var inspectionRouteCases = []routeCase{}
