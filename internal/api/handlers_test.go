package api

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/testdb"
)

func TestListStories_Pagination(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, be)
			// Created back to back, stories may share a creation millisecond: the cursor must order those too.
			var created []string
			for i := range 11 {
				resp := b.do(t, "POST", "/api/v1/stories", map[string]any{"title": fmt.Sprintf("Story %d", i)})
				require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
				var s struct{ ID string }
				resp.decode(t, &s)
				created = append(created, s.ID)
			}

			t.Run("PagedToTheEndWithoutDuplicatesOrGaps", func(t *testing.T) {
				t.Parallel()
				var seen []string
				var sizes []int
				cursor := ""
				for {
					resp := b.do(t, "GET", "/api/v1/stories?limit=4&cursor="+url.QueryEscape(cursor), nil)
					require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
					var page struct {
						Stories []struct {
							ID    string `json:"id"`
							Title string `json:"title"`
						} `json:"stories"`
						NextCursor *string `json:"next_cursor"`
					}
					resp.decode(t, &page)
					require.NotNil(t, page.NextCursor, "next_cursor is always present")
					sizes = append(sizes, len(page.Stories))
					for _, s := range page.Stories {
						seen = append(seen, s.ID)
					}
					if *page.NextCursor == "" {
						break
					}
					require.Equal(t, seen[len(seen)-1], *page.NextCursor)
					cursor = *page.NextCursor
				}
				require.Equal(t, []int{4, 4, 3}, sizes)
				require.Equal(t, b.storyIDs(t), seen, "the pages joined are the list in one page")
				require.ElementsMatch(t, created, seen)
			})

			t.Run("LastFullPageEndsTheList", func(t *testing.T) {
				t.Parallel()
				resp := b.do(t, "GET", "/api/v1/stories?limit=11", nil)
				require.Equal(t, http.StatusOK, resp.status)
				var page struct {
					Stories    []struct{ ID string } `json:"stories"`
					NextCursor string                `json:"next_cursor"`
				}
				resp.decode(t, &page)
				require.Len(t, page.Stories, 11)
				require.Empty(t, page.NextCursor)
			})

			t.Run("BadCursorIsRefused", func(t *testing.T) {
				t.Parallel()
				for _, cursor := range []string{"sty_nope", "' OR 1=1 --"} {
					resp := b.do(t, "GET", "/api/v1/stories?cursor="+url.QueryEscape(cursor), nil)
					require.Equal(t, http.StatusBadRequest, resp.status, "%s", resp.body)
					e := resp.apiError(t)
					require.Equal(t, ferry.EINVALID, e.Error.Code)
					require.Equal(t, fmt.Sprintf("The cursor %q is not valid.", cursor), e.Error.Message)
				}
			})

			t.Run("CursorOfAnotherWorkspaceIsRefused", func(t *testing.T) {
				t.Parallel()
				other := b.newToken(t, b.newWorkspace(t, "Other"), "other@ferry.example", ferry.RoleAdmin)
				resp := b.doAs(t, other, "GET", "/api/v1/stories?cursor="+created[5], nil)
				require.Equal(t, http.StatusBadRequest, resp.status, "%s", resp.body)
				require.Equal(t, ferry.EINVALID, resp.apiError(t).Error.Code)
			})

			t.Run("BadLimitIsRefused", func(t *testing.T) {
				t.Parallel()
				for _, limit := range []string{"0", "201", "-1", "ten"} {
					resp := b.do(t, "GET", "/api/v1/stories?limit="+limit, nil)
					require.Equal(t, http.StatusBadRequest, resp.status, limit)
					require.Equal(t, "limit must be a number from 1 to 200.", resp.apiError(t).Error.Message)
				}
			})
		})
	}
}
