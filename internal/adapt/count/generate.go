package count

// The tables are generated from Debian packages (publicsuffix, perl) so that they can be refreshed offline.
//go:generate go run ./internal/gentables -out tlds.txt
//go:generate sh -c "perl internal/gentables/emoji.pl > emoji_table.go"
