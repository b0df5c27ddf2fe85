package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

// A publication's reason comes as English words, a code and its arguments;
// the OpenAPI document lists every code.
func TestPublication_ReasonHasACode(t *testing.T) {
	t.Parallel()
	b := setup(t, testdb.Backends()[0])
	resp := b.do(t, "POST", "/api/v1/accounts", map[string]any{"platform": "telegram", "external_id": "@lanterns", "credentials": map[string]string{"bot_token": "123:abcdefghijklmnopqrstuvwxyz"}})
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	var acct struct{ ID string }
	resp.decode(t, &acct)
	resp = b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "Lanterns", "body": "Tonight", "targets": []string{acct.ID}})
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	var st struct {
		Publications []struct{ ID string } `json:"publications"`
	}
	resp.decode(t, &st)
	require.Len(t, st.Publications, 1)

	type pub struct {
		State      string            `json:"state"`
		Reason     *string           `json:"reason"`
		ReasonCode *string           `json:"reason_code"`
		ReasonArgs map[string]string `json:"reason_args"`
	}
	var draft pub
	b.do(t, "GET", "/api/v1/publications/"+st.Publications[0].ID, nil).decode(t, &draft)
	require.Equal(t, "draft", draft.State)
	require.NotNil(t, draft.ReasonCode, "reason_code is always there")
	require.Empty(t, *draft.ReasonCode)
	require.NotNil(t, draft.ReasonArgs, "reason_args is an object, even empty")

	// Closing the account cancels the draft, and says why.
	require.Equal(t, http.StatusOK, b.do(t, "DELETE", "/api/v1/accounts/"+acct.ID, nil).status)
	var canceled pub
	b.do(t, "GET", "/api/v1/publications/"+st.Publications[0].ID, nil).decode(t, &canceled)
	require.Equal(t, "canceled", canceled.State)
	require.Equal(t, string(ferry.ReasonAccountClosed), *canceled.ReasonCode)
	require.Equal(t, "The account was closed.", *canceled.Reason)
	require.Empty(t, canceled.ReasonArgs)

	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	b.doAs(t, "", "GET", "/api/openapi.json", nil).decode(t, &doc)
	props := doc.Components.Schemas["Publication"].Properties
	var code struct{ Enum []string }
	require.NoError(t, json.Unmarshal(props["reason_code"], &code))
	want := []string{""}
	for _, c := range ferry.ReasonCodes() {
		want = append(want, string(c))
	}
	require.Equal(t, want, code.Enum)
	require.Contains(t, props, "reason_args")
	require.Contains(t, props, "reason")
}
