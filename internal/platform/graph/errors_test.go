package graph

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
)

func TestParseError_Fixture(t *testing.T) {
	t.Parallel()
	e, ok := ParseError(fixture(t, "error.json"))
	require.True(t, ok)
	require.Equal(t, 100, e.Code)
	require.Equal(t, "OAuthException", e.Type)
	require.Equal(t, "A1m6KK6iBqvjzPeQd4DYbKM", e.FBTraceID)
	require.Contains(t, e.Message, "Pages Public Content Access")

	_, ok = ParseError([]byte(`{"id":"1"}`))
	require.False(t, ok)
	_, ok = ParseError([]byte(`<html>`))
	require.False(t, ok)
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   APIError
		class platform.Class
		code  string
	}{
		{"UnknownError", APIError{Code: 1}, platform.Retry, "x:1"},
		{"ServiceDown", APIError{Code: 2}, platform.Retry, "x:2"},
		{"AppRateLimit", APIError{Code: 4}, platform.Retry, "x:4"},
		{"UserRateLimit", APIError{Code: 17}, platform.Retry, "x:17"},
		{"PageRateLimit", APIError{Code: 32}, platform.Retry, "x:32"},
		{"AppLimit", APIError{Code: 341}, platform.Retry, "x:341"},
		{"CallsLimit", APIError{Code: 613}, platform.Retry, "x:613"},
		{"PagesBUC", APIError{Code: 80001}, platform.Retry, "x:80001"},
		{"InstagramBUC", APIError{Code: 80002}, platform.Retry, "x:80002"},
		{"TransientFlag", APIError{Code: 12345, IsTransient: true}, platform.Retry, "x:12345"},
		{"TokenGeneric", APIError{Code: 190}, platform.Reauth, "x:190"},
		{"TokenAppRemoved", APIError{Code: 190, Subcode: 458}, platform.Reauth, "x:190/458"},
		{"TokenPassword", APIError{Code: 190, Subcode: 460}, platform.Reauth, "x:190/460"},
		{"TokenExpired", APIError{Code: 190, Subcode: 463}, platform.Reauth, "x:190/463"},
		{"TokenInvalid", APIError{Code: 190, Subcode: 467}, platform.Reauth, "x:190/467"},
		{"NoToken", APIError{Code: 104}, platform.Reauth, "x:104"},
		{"InvalidParameter", APIError{Code: 100}, platform.Permanent, "x:100"},
		{"Permission10", APIError{Code: 10}, platform.Permanent, "x:10"},
		{"Permission200", APIError{Code: 200}, platform.Permanent, "x:200"},
		{"Permission299", APIError{Code: 299}, platform.Permanent, "x:299"},
		{"PolicyBlock", APIError{Code: 368}, platform.Permanent, "x:368"},
		{"LinkError", APIError{Code: 1609005}, platform.Permanent, "x:1609005"},
		{"Duplicate", APIError{Code: 506}, platform.Duplicate, "x:506"},
		{"IGQuota", APIError{Code: 9, Subcode: 2207042}, platform.Retry, "x:9/2207042"},
		{"IGServer", APIError{Code: -1, Subcode: 2207001}, platform.Retry, "x:-1/2207001"},
		{"IGDownloadTimeout", APIError{Code: -2, Subcode: 2207003}, platform.Retry, "x:-2/2207003"},
		{"IGContainerExpired", APIError{Code: -2, Subcode: 2207020}, platform.Retry, "x:-2/2207020"},
		{"IGBuilderExpired", APIError{Code: 24, Subcode: 2207008}, platform.Retry, "x:24/2207008"},
		{"IGNotReady", APIError{Code: 9007, Subcode: 2207027}, platform.Retry, "x:9007/2207027"},
		{"IGImageTooLarge", APIError{Code: 36000, Subcode: 2207004}, platform.Permanent, "x:36000/2207004"},
		{"IGFetchFailed", APIError{Code: 9004, Subcode: 2207052}, platform.Permanent, "x:9004/2207052"},
		{"IGSpam", APIError{Code: 4, Subcode: 2207051}, platform.Permanent, "x:4/2207051"},
		{"ServerErrorUnknownCode", APIError{Code: 4242, HTTPStatus: 500}, platform.Retry, "x:4242"},
		{"ClientErrorUnknownCode", APIError{Code: 4242, HTTPStatus: 400}, platform.Permanent, "x:4242"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := tc.err
			e.Message = "something happened"
			pe := Classify("x", &e, nil)
			require.Equal(t, tc.class, pe.Class)
			require.Equal(t, tc.code, pe.Code)
			require.NotEmpty(t, pe.Message)
			got, ok := AsAPIError(pe)
			require.True(t, ok)
			require.Equal(t, tc.err.Code, got.Code)
		})
	}
}

func TestClassify_IGQuotaIsRecognised(t *testing.T) {
	t.Parallel()
	pe := Classify("instagram", &APIError{Code: 9, Subcode: SubcodeQuotaReached, Message: "limit"}, nil)
	require.True(t, IsQuotaReached(pe))
	require.False(t, IsContainerExpired(pe))
	require.True(t, IsContainerExpired(Classify("instagram", &APIError{Code: -2, Subcode: SubcodeContainerExpired}, nil)))
	require.True(t, IsNotReady(Classify("instagram", &APIError{Code: 9007, Subcode: SubcodeNotReady}, nil)))
}

func TestParseUsage(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("X-App-Usage", `{"call_count":28,"total_time":25,"total_cputime":25}`)
	h.Set("X-Business-Use-Case-Usage", `{"112":[{"type":"pages","call_count":95,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":0}],"113":[{"type":"instagram","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":7}]}`)
	u := ParseUsage(h)
	require.Equal(t, 100, u.Percent)
	require.Equal(t, 7*time.Minute, u.RegainAccess)
	require.Equal(t, 7*time.Minute, u.RetryAfter())

	h = http.Header{}
	h.Set("X-App-Usage", `not json`)
	h.Set("X-Business-Use-Case-Usage", `{"a":"b"}`)
	require.Equal(t, Usage{}, ParseUsage(h), "malformed usage headers are ignored")

	h = http.Header{}
	h.Set("Retry-After", "90")
	require.Equal(t, 90*time.Second, ParseUsage(h).RetryAfter())
}
