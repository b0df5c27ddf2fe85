package web

// RoutePatterns lists every route's pattern ("GET /stories/{id}"), for the
// tests outside the package (the isolation test tries each one with an id).
func RoutePatterns() []string {
	var out []string
	for _, rt := range (&Server{}).routes() {
		out = append(out, rt.pattern)
	}
	return out
}
