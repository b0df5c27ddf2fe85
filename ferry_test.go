package ferry_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

func TestPlatform_NamesInEveryScript(t *testing.T) {
	t.Parallel()
	for _, p := range ferry.Platforms {
		require.NotEqual(t, string(p), p.Name(), "%s has a display name", p)
	}
	require.Equal(t, "Xiaohongshu", ferry.Xiaohongshu.Name())
	require.Equal(t, "小紅書", ferry.Xiaohongshu.NameZH(false))
	require.Equal(t, "小红书", ferry.Xiaohongshu.NameZH(true))
	require.Equal(t, "微博", ferry.Weibo.NameZH(false))
	require.Equal(t, "Telegram", ferry.Telegram.NameZH(true))
	require.Equal(t, "myspace", ferry.Platform("myspace").Name())
}

func TestPublicationState_Classes(t *testing.T) {
	t.Parallel()
	require.Len(t, ferry.PublicationStates, 12)
	for _, s := range ferry.PublicationStates {
		require.True(t, s.Valid(), s)
		// A state that can still be withdrawn has not gone out and has not ended.
		if s.Cancelable() {
			require.False(t, s.Sent(), s)
			require.False(t, s.Final(), s)
		}
	}
	require.False(t, ferry.PublicationState("sent").Valid())
	require.True(t, ferry.StateUnknown.Sent(), "an unknown outcome may be on the platform")
	require.False(t, ferry.StatePublishing.Cancelable(), "an attempt in flight cannot be withdrawn")
}
