package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/authz"
	"github.com/ferry-social/ferry/internal/testdb"
)

type openAPIDoc struct {
	OpenAPI    string                                 `json:"openapi"`
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

type openAPIOperation struct {
	Summary     string `json:"summary"`
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
	Security  *[]any                     `json:"security"`
}

func TestOpenAPI_DocumentsEveryRouteAndEveryDocumentedPathIsRouted(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	resp := b.doAs(t, "", "GET", "/api/openapi.json", nil)
	require.Equal(t, http.StatusOK, resp.status)
	var doc openAPIDoc
	resp.decode(t, &doc)
	require.Equal(t, "3.1.0", doc.OpenAPI)

	t.Run("EveryRouteIsDocumented", func(t *testing.T) {
		t.Parallel()
		routes := b.server.routes()
		operations := 0
		for _, ops := range doc.Paths {
			operations += len(ops)
		}
		require.Equal(t, len(routes), operations, "one operation per route")
		for _, rt := range routes {
			op, ok := doc.Paths[rt.path][strings.ToLower(rt.method)]
			require.True(t, ok, "%s %s is routed but not documented", rt.method, rt.path)
			require.NotEmpty(t, op.Summary, "%s %s", rt.method, rt.path)
			status := "200"
			if rt.status != 0 {
				status = strconv.Itoa(rt.status)
			}
			require.Contains(t, op.Responses, status, "%s %s documents its success status", rt.method, rt.path)
			require.Contains(t, op.Responses, "default", "%s %s documents its errors", rt.method, rt.path)
			rule, known := authz.For(rt.method + " " + rt.path)
			require.True(t, known, "%s %s has an authorization entry", rt.method, rt.path)
			require.Equal(t, rule.Public, op.Security != nil && len(*op.Security) == 0, "%s %s: public routes, and only they, need no token", rt.method, rt.path)
			if !rule.Public {
				require.Equal(t, map[string]any{"bearer": []any{string(rule.Scope)}}, (*op.Security)[0], "%s %s documents the scope it needs", rt.method, rt.path)
			}
		}
	})

	t.Run("EveryDocumentedPathIsRouted", func(t *testing.T) {
		t.Parallel()
		for path, ops := range doc.Paths {
			for method, op := range ops {
				var params []string
				for _, p := range op.Parameters {
					if p.In == "path" {
						params = append(params, p.Name)
					}
				}
				require.Equal(t, pathParams(path), params, "%s %s documents its path parameters", method, path)
				// Without a token, public routes answer and the others ask for one; a path not routed would fall through
				// to the catch-all 404.
				concrete := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "unknown")
				resp := b.doAs(t, "", strings.ToUpper(method), concrete, nil)
				if op.Security != nil && len(*op.Security) == 0 {
					require.Equal(t, http.StatusOK, resp.status, "%s %s: %s", method, path, resp.body)
					continue
				}
				require.Equal(t, http.StatusUnauthorized, resp.status, "%s %s is documented but not routed: %s", method, path, resp.body)
				require.Equal(t, ferry.EUNAUTHORIZED, resp.apiError(t).Error.Code)
			}
		}
	})

	t.Run("OperationIDsAreUnique", func(t *testing.T) {
		t.Parallel()
		var ids []string
		for _, ops := range doc.Paths {
			for _, op := range ops {
				require.NotEmpty(t, op.OperationID)
				ids = append(ids, op.OperationID)
			}
		}
		slices.Sort(ids)
		require.Equal(t, len(ids), len(slices.Compact(ids)), "operation ids: %v", ids)
	})

	t.Run("EveryReferencedSchemaIsDefined", func(t *testing.T) {
		t.Parallel()
		raw := string(resp.body)
		refs := regexp.MustCompile(`"\$ref":"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(raw, -1)
		require.NotEmpty(t, refs)
		for _, ref := range refs {
			_, ok := doc.Components.Schemas[ref[1]]
			require.True(t, ok, "schema %s is referenced but not defined", ref[1])
		}
	})
}

// pathParams returns the names of a path's {wildcards}, in order.
func pathParams(path string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
		names = append(names, m[1])
	}
	return names
}
