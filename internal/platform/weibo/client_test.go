package weibo

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry/internal/platform"
)

// The codes PLATFORMS.md ("Sina Weibo", Errors) sorts, with their classes.
var documentedCodes = map[platform.Class][]int{
	platform.Retry:     {10001, 10002, 10003, 10009, 10022, 10023, 10024, 20016},
	platform.Duplicate: {20017, 20019, 20111},
	platform.Reauth:    {21301, 21314, 21315, 21316, 21317, 21319, 21327, 21332},
	platform.Permanent: {10014, 10016, 10017, 10018, 20005, 20006, 20007, 20012, 20018, 20020, 20021},
}

func TestClassify_DocumentedCodes(t *testing.T) {
	t.Parallel()
	for class, codes := range documentedCodes {
		for _, code := range codes {
			t.Run(strconv.Itoa(code), func(t *testing.T) {
				t.Parallel()
				e := classify(apiError{Code: flexInt(code), Error: "some words"}, http.StatusBadRequest, false, 0, nil)
				require.Equal(t, class, e.Class)
				require.Equal(t, "weibo:"+strconv.Itoa(code), e.Code)
				require.Contains(t, e.Message, "some words", "Weibo's own words are kept")
			})
		}
	}
}

func TestClassify_OtherCases(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		code   int
		status int
		safe   bool
		want   platform.Class
	}{
		{"UpdateSuccessButSlowIsUnknown", 20032, 200, false, platform.Unknown},
		{"UnlistedRefusalIsPermanent", 20003, 400, false, platform.Permanent},
		{"UnlistedServerErrorOnAPostIsUnknown", 10011, 500, false, platform.Unknown},
		{"UnlistedServerErrorOnAReadIsRetry", 10011, 500, true, platform.Retry},
		{"OAuthTemporarilyUnavailableIsRetry", 21331, 400, false, platform.Retry},
		{"OAuthInvalidGrantIsPermanent", 21325, 400, false, platform.Permanent},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := classify(apiError{Code: flexInt(c.code), Error: "x"}, c.status, c.safe, 0, nil)
			require.Equal(t, c.want, e.Class)
		})
	}
	t.Run("RetryKeepsTheHint", func(t *testing.T) {
		t.Parallel()
		e := classify(apiError{Code: 10023}, 403, false, 7*time.Second, nil)
		require.Equal(t, 7*time.Second, e.RetryAfter)
	})
	t.Run("SecretsAreMasked", func(t *testing.T) {
		t.Parallel()
		e := classify(apiError{Code: 21325, Error: "invalid_grant", Description: "invalid authorization code:c0de"}, 400, false, 0, []string{"c0de"})
		require.NotContains(t, e.Error(), "c0de")
		require.Contains(t, e.Error(), "invalid authorization code:[redacted]")
	})
}

func TestParseError(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		body   string
		status int
		code   int
		found  bool
	}{
		{"NumericCode", `{"error":"repeat content!","error_code":20019,"request":"/2/statuses/share.json"}`, 400, 20019, true},
		{"StringCode", `{"request":"/statuses/home_timeline.json","error_code":"20502","error":"Auth failed!"}`, 400, 20502, true},
		{"OAuth", `{"error":"invalid_client","error_code":21324,"request":"/oauth2/access_token","error_uri":"/oauth2/access_token","error_description":"client_secret error."}`, 401, 21324, true},
		{"Status", `{"idstr":"1","text":"error_code"}`, 200, 0, false},
		{"Array", `[{"id":1,"comments":2}]`, 200, 0, false},
		{"HTML", `<html>bad gateway</html>`, 502, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, ok := parseError([]byte(c.body), c.status)
			require.Equal(t, c.found, ok)
			require.EqualValues(t, c.code, e.Code)
		})
	}
}

func TestJSONTypes(t *testing.T) {
	t.Parallel()
	var v struct {
		A, B, C, D flexInt
		E, F, G    idString
	}
	require.NoError(t, jsonUnmarshal(`{"A":16,"B":"38","C":"","D":null,"E":9007199254740993,"F":"4230466846817001","G":null}`, &v))
	require.EqualValues(t, 16, v.A)
	require.EqualValues(t, 38, v.B)
	require.Zero(t, v.C)
	require.Zero(t, v.D)
	require.Equal(t, idString("9007199254740993"), v.E, "2^53+1 is kept exactly")
	require.Equal(t, idString("4230466846817001"), v.F)
	require.Empty(t, v.G)
	require.Error(t, jsonUnmarshal(`{"A":1.5}`, &v))
	require.Error(t, jsonUnmarshal(`{"E":true}`, &v))
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
