package report

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ferry-social/ferry"
)

// Browsers are the names Chromium is looked up by on PATH;
// FERRY_CHROMIUM names one explicitly.
var Browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ErrNoBrowser is returned by PDF on a machine without Chromium.
var ErrNoBrowser = ferry.Errorf(ferry.EUNAVAILABLE,
	"PDF reports are printed by headless Chromium, which is not installed on the server; install it (Debian: apt-get install chromium) or set FERRY_CHROMIUM to its path. The HTML report works without it.")

var (
	browserOnce sync.Once
	browserPath string
)

// BrowserPath returns the Chromium found on this machine, or "".
func BrowserPath() string {
	browserOnce.Do(func() {
		if p := os.Getenv("FERRY_CHROMIUM"); p != "" {
			if _, err := os.Stat(p); err == nil {
				browserPath = p
				return
			}
		}
		for _, name := range Browsers {
			if p, err := exec.LookPath(name); err == nil {
				browserPath = p
				return
			}
		}
	})
	return browserPath
}

// pdfTimeout bounds one print.
const pdfTimeout = 60 * time.Second

// PDF prints a self-contained HTML page to an A4 PDF with the Chromium at
// browser (see BrowserPath); "" answers ErrNoBrowser. Chromium sees the
// CJK font Ferry ships (Font) as one of the machine's fonts. The page loads nothing from the network:
// its images are inlined and it has no scripts.
func PDF(ctx context.Context, browser string, html []byte) ([]byte, error) {
	if browser == "" {
		return nil, ErrNoBrowser
	}
	conf, err := fontConfig()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, pdfTimeout)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Flag("blink-settings", "scriptEnabled=false"), chromedp.Env("FONTCONFIG_FILE="+conf))
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	err = chromedp.Do(tab,
		chromedp.Navigate("about:blank"),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return err
			}
			_, err = chromedp.Call(ctx, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: string(html)})
			return err
		}),
	)
	var out []byte
	if err == nil {
		out, err = chromedp.Run(tab, chromedp.PrintToPDF(chromedp.PDFPrintBackground(), func(p *page.PrintToPDFParams) { p.PreferCSSPageSize = ptr(true) }))
	}
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, ErrNoBrowser
		}
		return nil, err
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }
