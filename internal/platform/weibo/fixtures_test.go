package weibo

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/ferry-social/ferry/internal/refdata"
	"github.com/stretchr/testify/require"
)

func readRefdata(t *testing.T, parts ...string) []byte {
	t.Helper()
	return refdata.Read(t, parts...)
}

func TestFixtures_StatusObject(t *testing.T) {
	t.Parallel()
	var st status
	require.NoError(t, json.Unmarshal(readRefdata(t, "fixtures", "weibo", "status.v2.repaired.json"), &st))

	require.Equal(t, "11488058246", st.id(), "no idstr in this old sample: id is read digit for digit")
	require.Equal(t, "5612814510546515491", st.mid(), "a 19-digit mid survives (float64 would round it)")
	require.Equal(t, "求关注。", st.Text)
	at, err := st.createdAt()
	require.NoError(t, err)
	require.Equal(t, time.Date(2011, 5, 31, 9, 46, 55, 0, time.UTC), at)
	require.EqualValues(t, 8, st.RepostsCount)
	require.EqualValues(t, 9, st.CommentsCount)
	require.NotNil(t, st.User)
	require.Equal(t, "1404376560", st.User.id())
	require.Equal(t, "zaku", st.User.name())
	require.EqualValues(t, 1204, st.User.FollowersCount)
}

func TestFixtures_UsersShowObject(t *testing.T) {
	t.Parallel()
	var u user
	require.NoError(t, json.Unmarshal(readRefdata(t, "fixtures", "weibo", "users_show.v2.repaired.json"), &u))

	require.Equal(t, "1404376560", u.id())
	require.Equal(t, "zaku", u.name())
	require.EqualValues(t, 1204, u.FollowersCount)
	require.EqualValues(t, 447, u.FriendsCount)
	require.EqualValues(t, 2908, u.StatusesCount)
	require.NotNil(t, u.Status)
	require.Equal(t, "11142488790", u.Status.id())
	require.Equal(t, "5610221544300749636", u.Status.mid())
}

func TestFixtures_AsPublishedSamplesAreNotJSON(t *testing.T) {
	t.Parallel()
	// The wiki's samples, as published, have unescaped quotes and a
	// full-width comma: a client must not take them for a success.
	for _, name := range []string{"status.v2.as_published.txt", "users_show.v2.as_published.txt"} {
		var st status
		require.Error(t, json.Unmarshal(readRefdata(t, "fixtures", "weibo", name), &st), name)
	}
}

func TestMidToCode_ReferenceVectors(t *testing.T) {
	t.Parallel()
	f, err := os.Open(refdata.Path(t, "weibo", "weibo_length_vectors.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v struct {
			ID, Kind, Input string
			Expected        json.RawMessage
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &v))
		if v.Kind != "mid_to_base62" {
			continue
		}
		n++
		var want string
		require.NoError(t, json.Unmarshal(v.Expected, &want))
		got, err := MidToCode(v.Input)
		require.NoError(t, err)
		require.Equal(t, want, got, "vector %s", v.ID)
	}
	require.NoError(t, sc.Err())
	require.Equal(t, 3, n, "all three mid vectors are checked")

	_, err = MidToCode("12a4")
	require.Error(t, err)
}
