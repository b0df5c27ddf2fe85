package api

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// errorCodes reads the error codes (the E* string constants) from package ferry's source, so that a code added
// there is caught here until it is given a status.
func errorCodes(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "*.go"))
	require.NoError(t, err)
	codes := map[string]string{}
	isCode := regexp.MustCompile(`^E[A-Z]+$`)
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		require.Equal(t, "ferry", f.Name.Name, path)
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						continue // an iota constant's implicit value
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !isCode.MatchString(name.Name) || !ok || lit.Kind != token.STRING {
						continue
					}
					value, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					codes[name.Name] = value
				}
			}
		}
	}
	require.NotEmpty(t, codes)
	return codes
}

func TestWriteError_EveryCodeHasItsStatusAndTheEnvelope(t *testing.T) {
	t.Parallel()
	want := map[string]int{
		"EINVALID":       http.StatusBadRequest,
		"EUNAUTHORIZED":  http.StatusUnauthorized,
		"EFORBIDDEN":     http.StatusForbidden,
		"ESCOPE":         http.StatusForbidden,
		"ENOTFOUND":      http.StatusNotFound,
		"ECONFLICT":      http.StatusConflict,
		"ETOOLARGE":      http.StatusRequestEntityTooLarge,
		"EUNSUPPORTED":   http.StatusUnsupportedMediaType,
		"EUNPROCESSABLE": http.StatusUnprocessableEntity,
		"EINTERNAL":      http.StatusInternalServerError,
		"ESCHEMA":        http.StatusServiceUnavailable,
		"EUNAVAILABLE":   http.StatusServiceUnavailable,
		"ETOOMANY":       http.StatusTooManyRequests,
	}
	codes := errorCodes(t)
	require.ElementsMatch(t, slices.Collect(maps.Keys(codes)), slices.Collect(maps.Keys(want)), "every error code of package ferry has a status here")

	for name, code := range codes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			rec := httptest.NewRecorder()
			// Layers wrap coded errors; the code and details survive the wrapping.
			err := fmt.Errorf("service: %w", ferry.Errorf(code, "Message for %s.", code).WithDetails(map[string]string{"field": "problem"}))
			writeError(rec, httptest.NewRequest("POST", "/api/v1/stories", nil), slog.New(slog.NewTextHandler(logs, nil)), err)

			require.Equal(t, want[name], rec.Code)
			require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
			require.JSONEq(t, `{"error":{"code":"`+code+`","message":"Message for `+code+`.","details":{"field":"problem"}}}`, rec.Body.String())
			if rec.Code >= 500 {
				require.Contains(t, logs.String(), "Message for "+code, "server errors are logged")
			} else {
				require.Empty(t, logs.String(), "the caller's errors are not logged")
			}
		})
	}
}

func TestWriteError_UncodedErrorsAreHiddenAndLogged(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	rec := httptest.NewRecorder()
	err := fmt.Errorf("store: stories: %w", errors.New("pq: password authentication failed for user ferry"))
	writeError(rec, httptest.NewRequest("GET", "/api/v1/stories", nil), slog.New(slog.NewTextHandler(logs, nil)), err)

	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.JSONEq(t, `{"error":{"code":"internal","message":"Internal error."}}`, rec.Body.String())
	require.Contains(t, logs.String(), "password authentication failed")
	require.Contains(t, logs.String(), "path=/api/v1/stories")
}

func TestServer_ErrorsOfTheStoreAreHiddenAndLogged(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	require.NoError(t, b.db.Close())

	resp := b.do(t, "GET", "/api/v1/stories", nil)
	require.Equal(t, http.StatusInternalServerError, resp.status)
	require.JSONEq(t, `{"error":{"code":"internal","message":"Internal error."}}`, string(resp.body))
	require.Contains(t, b.logs.String(), "request failed")
	require.Contains(t, b.logs.String(), "database is closed")
}

func TestServer_UnknownAPIPathsAnswerInTheEnvelope(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	for _, req := range [][2]string{{"GET", "/api/v1/nothing"}, {"PUT", "/api/v1/stories"}, {"GET", "/api/v2/stories"}} {
		resp := b.do(t, req[0], req[1], nil)
		require.Equal(t, http.StatusNotFound, resp.status)
		require.Equal(t, "application/json; charset=utf-8", resp.header.Get("Content-Type"))
		e := resp.apiError(t)
		require.Equal(t, ferry.ENOTFOUND, e.Error.Code)
		require.Equal(t, fmt.Sprintf("No API endpoint %s %s.", req[0], req[1]), e.Error.Message)
	}
}
