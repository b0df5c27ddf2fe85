package script_test

import (
	"fmt"

	"github.com/ferry-social/ferry/internal/adapt/script"
)

func ExampleConverter_Convert() {
	conv := script.NewConverter()
	cfg, _ := script.ConfigFor(script.Simplified, script.Taiwan)
	out, err := conv.Convert(cfg, "鼠标和软件")
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg, out)
	// Output: s2twp 滑鼠和軟體
}

func ExampleConverter_ConvertWith() {
	conv := script.NewConverter()
	g, err := script.NewGlossary([]string{"发哥"}, []script.Phrase{
		{From: "渡船", To: "Ferry"},
		{From: "软件", To: "軟件", Scripts: []script.Script{script.HongKong}},
	})
	if err != nil {
		panic(err)
	}
	for _, to := range []script.Script{script.HongKong, script.Taiwan} {
		cfg, _ := script.ConfigFor(script.Simplified, to)
		out, err := conv.ConvertWith(cfg, "发哥用渡船软件发帖", g)
		if err != nil {
			panic(err)
		}
		fmt.Println(to, out)
	}
	// Output:
	// hk 发哥用Ferry軟件發帖
	// tw 发哥用Ferry軟體發帖
}
