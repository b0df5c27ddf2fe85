package app

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/ferry-social/ferry/internal/blob"
)

// mediaHandler serves stored media by hash, so that platforms which fetch
// images themselves (Instagram's image_url) can reach them. The hash is the
// capability: it cannot be guessed.
func mediaHandler(blobs blob.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := blobs.Open(r.PathValue("sha256"))
		if err != nil {
			if !errors.Is(err, blob.ErrNotFound) {
				http.Error(w, "bad media id", http.StatusNotFound)
				return
			}
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		if rs, ok := f.(io.ReadSeeker); ok {
			http.ServeContent(w, r, "", fixedModTime, rs)
			return
		}
		_, _ = io.Copy(w, f)
	})
}

func mkdirData(dir string) error { return os.MkdirAll(dir, 0o700) }

var fixedModTime = time.Unix(0, 0)
