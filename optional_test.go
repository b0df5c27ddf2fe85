package ferry_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

func TestOptional_TellsAbsentNullAndValueApart(t *testing.T) {
	t.Parallel()
	var absent ferry.Optional[time.Time]
	require.False(t, absent.IsSet())
	require.Nil(t, absent.Ptr())

	null := ferry.Null[time.Time]()
	require.True(t, null.IsSet())
	require.Nil(t, null.Ptr())

	at := time.Date(2026, 9, 20, 20, 0, 0, 0, time.UTC)
	some := ferry.Some(at)
	require.True(t, some.IsSet())
	require.Equal(t, at, *some.Ptr())
	*some.Ptr() = time.Time{}
	require.Equal(t, at, *some.Ptr(), "Ptr returns a copy")
}
