package web_test

// policyRouteCases are the route × role rows of the acknowledgement,
// review and exception pages (policy_ack.go, policy_exceptions.go).
var policyRouteCases = []routeCase{}
