package calendar

import "testing"

func BenchmarkEventsHKYear(b *testing.B) {
	from, to := Date{2025, 1, 1}, Date{2025, 12, 31}
	for b.Loop() {
		if _, err := Events(RegionHK, from, to); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToLunar(b *testing.B) {
	d := Date{2025, 10, 6}
	for b.Loop() {
		if _, err := ToLunar(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolarTermDate(b *testing.B) {
	for b.Loop() {
		if _, err := SolarTermDate(2025, WinterSolstice); err != nil {
			b.Fatal(err)
		}
	}
}
