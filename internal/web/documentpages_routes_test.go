package web_test

// documentRouteCases are the route × role rows of the document pages
// (documents.go).
var documentRouteCases = []routeCase{}
