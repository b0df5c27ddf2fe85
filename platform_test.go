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
