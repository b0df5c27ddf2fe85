package calendar

import (
	"math"
	"time"
)

// This file holds the little astronomy the Chinese calendar needs: the
// apparent longitude of the Sun (for the 24 solar terms) and the instants of
// new moon (for month starts). Both follow Jean Meeus, Astronomical
// Algorithms (2nd ed.): chapter 25 with the truncated VSOP87 series of
// appendix III for the Sun, and chapter 49 for the Moon's phases. The Sun is
// good to about one arcsecond (a few seconds of time), the new moons to well
// under a minute over 1900–2100, which is what deciding a calendar day needs.

const (
	j2000      = 2451545.0 // Julian Ephemeris Day of 2000-01-01 12:00 TT
	unixEpochJ = 2440587.5 // Julian Day of 1970-01-01 00:00 UTC
	deg        = math.Pi / 180
)

// chinaOffset is China Standard Time (UTC+8), the meridian of 120°E that the
// Chinese calendar has used since 1929 and that GB/T 33661-2017 prescribes.
const chinaOffset = 8 * time.Hour

// vsopTerm is one periodic term A·cos(B + C·τ) of a VSOP87 series.
type vsopTerm struct{ a, b, c float64 }

// earthL is Meeus's truncation of VSOP87D for the Earth's heliocentric
// longitude (units of 1e-8 radian) and earthR for its radius vector (1e-8
// AU), which only feeds the aberration term. The Sun's latitude, under an
// arcsecond, does not enter the longitude and is left out.
var (
	earthL = [...][]vsopTerm{
		{
			{175347046, 0, 0}, {3341656, 4.6692568, 6283.07585}, {34894, 4.6261, 12566.1517},
			{3497, 2.7441, 5753.3849}, {3418, 2.8289, 3.5231}, {3136, 3.6277, 77713.7715},
			{2676, 4.4181, 7860.4194}, {2343, 6.1352, 3930.2097}, {1324, 0.7425, 11506.7698},
			{1273, 2.0371, 529.691}, {1199, 1.1096, 1577.3435}, {990, 5.233, 5884.927},
			{902, 2.045, 26.298}, {857, 3.508, 398.149}, {780, 1.179, 5223.694},
			{753, 2.533, 5507.553}, {505, 4.583, 18849.228}, {492, 4.205, 775.523},
			{357, 2.92, 0.067}, {317, 5.849, 11790.629}, {284, 1.899, 796.298},
			{271, 0.315, 10977.079}, {243, 0.345, 5486.778}, {206, 4.806, 2544.314},
			{205, 1.869, 5573.143}, {202, 2.458, 6069.777}, {156, 0.833, 213.299},
			{132, 3.411, 2942.463}, {126, 1.083, 20.775}, {115, 0.645, 0.98},
			{103, 0.636, 4694.003}, {102, 0.976, 15720.839}, {102, 4.267, 7.114},
			{99, 6.21, 2146.17}, {98, 0.68, 155.42}, {86, 5.98, 161000.69},
			{85, 1.3, 6275.96}, {85, 3.67, 71430.7}, {80, 1.81, 17260.15},
			{79, 3.04, 12036.46}, {75, 1.76, 5088.63}, {74, 3.5, 3154.69},
			{74, 4.68, 801.82}, {70, 0.83, 9437.76}, {62, 3.98, 8827.39},
			{61, 1.82, 7084.9}, {57, 2.78, 6286.6}, {56, 4.39, 14143.5},
			{56, 3.47, 6279.55}, {52, 0.19, 12139.55}, {52, 1.33, 1748.02},
			{51, 0.28, 5856.48}, {49, 0.49, 1194.45}, {41, 5.37, 8429.24},
			{41, 2.4, 19651.05}, {39, 6.17, 10447.39}, {37, 6.04, 10213.29},
			{37, 2.57, 1059.38}, {36, 1.71, 2352.87}, {36, 1.78, 6812.77},
			{33, 0.59, 17789.85}, {30, 0.44, 83996.85}, {30, 2.74, 1349.87},
			{25, 3.16, 4690.48},
		},
		{
			{628331966747, 0, 0}, {206059, 2.678235, 6283.07585}, {4303, 2.6351, 12566.1517},
			{425, 1.59, 3.523}, {119, 5.796, 26.298}, {109, 2.966, 1577.344},
			{93, 2.59, 18849.23}, {72, 1.14, 529.69}, {68, 1.87, 398.15},
			{67, 4.41, 5507.55}, {59, 2.89, 5223.69}, {56, 2.17, 155.42},
			{45, 0.4, 796.3}, {36, 0.47, 775.52}, {29, 2.65, 7.11},
			{21, 5.34, 0.98}, {19, 1.85, 5486.78}, {19, 4.97, 213.3},
			{17, 2.99, 6275.96}, {16, 0.03, 2544.31}, {16, 1.43, 2146.17},
			{15, 1.21, 10977.08}, {12, 2.83, 1748.02}, {12, 3.26, 5088.63},
			{12, 5.27, 1194.45}, {12, 2.08, 4694}, {11, 0.77, 553.57},
			{10, 1.3, 6286.6}, {10, 4.24, 1349.87}, {9, 2.7, 242.73},
			{9, 5.64, 951.72}, {8, 5.3, 2352.87}, {6, 2.65, 9437.76},
			{6, 4.67, 4690.48},
		},
		{
			{52919, 0, 0}, {8720, 1.0721, 6283.0758}, {309, 0.867, 12566.152},
			{27, 0.05, 3.52}, {16, 5.19, 26.3}, {16, 3.68, 155.42},
			{10, 0.76, 18849.23}, {9, 2.06, 77713.77}, {7, 0.83, 775.52},
			{5, 4.66, 1577.34}, {4, 1.03, 7.11}, {4, 3.44, 5573.14},
			{3, 5.14, 796.3}, {3, 6.05, 5507.55}, {3, 1.19, 242.73},
			{3, 6.12, 529.69}, {3, 0.31, 398.15}, {3, 2.28, 553.57},
			{2, 4.38, 5223.69}, {2, 3.75, 0.98},
		},
		{
			{289, 5.844, 6283.076}, {35, 0, 0}, {17, 5.49, 12566.15},
			{3, 5.2, 155.42}, {1, 4.72, 3.52}, {1, 5.3, 18849.23},
			{1, 5.97, 242.73},
		},
		{{114, 3.142, 0}, {8, 4.13, 6283.08}, {1, 3.84, 12566.15}},
		{{1, 3.14, 0}},
	}
	earthR = [...][]vsopTerm{
		{
			{100013989, 0, 0}, {1670700, 3.0984635, 6283.07585}, {13956, 3.05525, 12566.1517},
			{3084, 5.1985, 77713.7715}, {1628, 1.1739, 5753.3849}, {1576, 2.8469, 7860.4194},
			{925, 5.453, 11506.77}, {542, 4.564, 3930.21}, {472, 3.661, 5884.927},
			{346, 0.964, 5507.553}, {329, 5.9, 5223.694}, {307, 0.299, 5573.143},
			{243, 4.273, 11790.629}, {212, 5.847, 1577.344}, {186, 5.022, 10977.079},
			{175, 3.012, 18849.228}, {110, 5.055, 5486.778}, {98, 0.89, 6069.78},
			{86, 5.69, 15720.84}, {86, 1.27, 161000.69}, {65, 0.27, 17260.15},
			{63, 0.92, 529.69}, {57, 2.01, 83996.85}, {56, 5.24, 71430.7},
			{49, 3.25, 2544.31}, {47, 2.58, 775.52}, {45, 5.54, 9437.76},
			{43, 6.01, 6275.96}, {39, 5.36, 4694}, {38, 2.39, 8827.39},
			{37, 0.83, 19651.05}, {37, 4.9, 12139.55}, {36, 1.67, 12036.46},
			{35, 1.84, 2942.46}, {33, 0.24, 7084.9}, {32, 0.18, 5088.63},
			{32, 1.78, 398.15}, {28, 1.21, 6286.6}, {28, 1.9, 6279.55},
			{26, 4.59, 10447.39},
		},
		{
			{103019, 1.10749, 6283.07585}, {1721, 1.0644, 12566.1517}, {702, 3.142, 0},
			{32, 1.02, 18849.23}, {31, 2.84, 5507.55}, {25, 1.32, 5223.69},
			{18, 1.42, 1577.34}, {10, 5.91, 10977.08}, {9, 1.42, 6275.96},
			{9, 0.27, 5486.78},
		},
		{{4359, 5.7846, 6283.0758}, {124, 5.579, 12566.152}, {12, 3.14, 0}, {9, 3.63, 77713.77}, {6, 1.87, 5573.14}, {3, 5.47, 18849.23}},
		{{145, 4.273, 6283.076}, {7, 3.92, 12566.15}},
		{{4, 2.56, 6283.08}},
	}
)

// vsopSum evaluates Σ τ^i Σ A·cos(B + C·τ) for series indexed by power i.
func vsopSum(series [][]vsopTerm, tau float64) float64 {
	var total, pow float64 = 0, 1
	for _, terms := range series {
		var s float64
		for _, t := range terms {
			s += t.a * math.Cos(t.b+t.c*tau)
		}
		total += s * pow
		pow *= tau
	}
	return total * 1e-8
}

// sunApparentLongitude returns the Sun's apparent geocentric ecliptic
// longitude in degrees, in [0, 360), at Julian Ephemeris Day jde.
func sunApparentLongitude(jde float64) float64 {
	tau := (jde - j2000) / 365250
	t := tau * 10
	l := vsopSum(earthL[:], tau) // heliocentric longitude of the Earth, radians
	r := vsopSum(earthR[:], tau)

	theta := l/deg + 180 // geocentric longitude of the Sun, degrees
	const fk5 = -0.09033 / 3600

	dpsi := nutationLongitude(t) / 3600
	aberration := -20.4898 / 3600 / r
	return normDeg(theta + fk5 + dpsi + aberration)
}

// nutationArgs lists, for each term of the IAU 1980 nutation series, the
// multipliers of D, M, M', F and Ω and the coefficients of Δψ (0.0001",
// with its per-century rate). Meeus table 22.A.
var nutationArgs = [...]struct {
	d, m, mp, f, om int8
	s0, s1          float64
}{
	{0, 0, 0, 0, 1, -171996, -174.2}, {-2, 0, 0, 2, 2, -13187, -1.6}, {0, 0, 0, 2, 2, -2274, -0.2},
	{0, 0, 0, 0, 2, 2062, 0.2}, {0, 1, 0, 0, 0, 1426, -3.4}, {0, 0, 1, 0, 0, 712, 0.1},
	{-2, 1, 0, 2, 2, -517, 1.2}, {0, 0, 0, 2, 1, -386, -0.4}, {0, 0, 1, 2, 2, -301, 0},
	{-2, -1, 0, 2, 2, 217, -0.5}, {-2, 0, 1, 0, 0, -158, 0}, {-2, 0, 0, 2, 1, 129, 0.1},
	{0, 0, -1, 2, 2, 123, 0}, {2, 0, 0, 0, 0, 63, 0}, {0, 0, 1, 0, 1, 63, 0.1},
	{2, 0, -1, 2, 2, -59, 0}, {0, 0, -1, 0, 1, -58, -0.1}, {0, 0, 1, 2, 1, -51, 0},
	{-2, 0, 2, 0, 0, 48, 0}, {0, 0, -2, 2, 1, 46, 0}, {2, 0, 0, 2, 2, -38, 0},
	{0, 0, 2, 2, 2, -31, 0}, {0, 0, 2, 0, 0, 29, 0}, {-2, 0, 1, 2, 2, 29, 0},
	{0, 0, 0, 2, 0, 26, 0}, {-2, 0, 0, 2, 0, -22, 0}, {0, 0, -1, 2, 1, 21, 0},
	{0, 2, 0, 0, 0, 17, -0.1}, {2, 0, -1, 0, 1, 16, 0}, {-2, 2, 0, 2, 2, -16, 0.1},
	{0, 1, 0, 0, 1, -15, 0}, {-2, 0, 1, 0, 1, -13, 0}, {0, -1, 0, 0, 1, -12, 0},
	{0, 0, 2, -2, 0, 11, 0}, {2, 0, -1, 2, 1, -10, 0}, {2, 0, 1, 2, 2, -8, 0},
	{0, 1, 0, 2, 2, 7, 0}, {-2, 1, 1, 0, 0, -7, 0}, {0, -1, 0, 2, 2, -7, 0},
	{2, 0, 0, 2, 1, -7, 0}, {2, 0, 1, 0, 0, 6, 0}, {-2, 0, 2, 2, 2, 6, 0},
	{-2, 0, 1, 2, 1, 6, 0}, {2, 0, -2, 0, 1, -6, 0}, {2, 0, 0, 0, 1, -6, 0},
	{0, -1, 1, 0, 0, 5, 0}, {-2, -1, 0, 2, 1, -5, 0}, {-2, 0, 0, 0, 1, -5, 0},
	{0, 0, 2, 2, 1, -5, 0}, {-2, 0, 2, 0, 1, 4, 0}, {-2, 1, 0, 2, 1, 4, 0},
	{0, 0, 1, -2, 0, 4, 0}, {-1, 0, 1, 0, 0, -4, 0}, {-2, 1, 0, 0, 0, -4, 0},
	{1, 0, 0, 0, 0, -4, 0}, {0, 0, 1, 2, 0, 3, 0}, {0, 0, -2, 2, 2, -3, 0},
	{-1, -1, 1, 0, 0, -3, 0}, {0, 1, 1, 0, 0, -3, 0}, {0, -1, 1, 2, 2, -3, 0},
	{2, -1, -1, 2, 2, -3, 0}, {0, 0, 3, 2, 2, -3, 0}, {2, -1, 0, 2, 2, -3, 0},
}

// nutationLongitude returns the nutation in longitude Δψ, in arcseconds, at
// t Julian centuries of TT from J2000 (IAU 1980 theory).
func nutationLongitude(t float64) float64 {
	// Reducing the fundamental arguments first keeps math.Sin on small
	// angles, where it is several times faster.
	d := normDeg(297.85036+445267.111480*t-0.0019142*t*t+t*t*t/189474) * deg
	m := normDeg(357.52772+35999.050340*t-0.0001603*t*t-t*t*t/300000) * deg
	mp := normDeg(134.96298+477198.867398*t+0.0086972*t*t+t*t*t/56250) * deg
	f := normDeg(93.27191+483202.017538*t-0.0036825*t*t+t*t*t/327270) * deg
	om := normDeg(125.04452-1934.136261*t+0.0020708*t*t+t*t*t/450000) * deg
	var sum float64
	for _, n := range nutationArgs {
		arg := float64(n.d)*d + float64(n.m)*m + float64(n.mp)*mp + float64(n.f)*f + float64(n.om)*om
		sum += (n.s0 + n.s1*t) * math.Sin(arg)
	}
	return sum * 1e-4
}

// normDeg reduces an angle to [0, 360).
func normDeg(x float64) float64 {
	x = math.Mod(x, 360)
	if x < 0 {
		x += 360
	}
	return x
}

// sunLongitudeJDE returns the Julian Ephemeris Day, near guess, at which the
// Sun's apparent longitude equals target degrees.
func sunLongitudeJDE(target, guess float64) float64 {
	jde := guess
	for range 10 {
		diff := math.Remainder(target-sunApparentLongitude(jde), 360)
		// Newton's method with the Sun's speed from Kepler's second law,
		// 0.9856°/day·(1 + 2e·cos M): three rounds take a guess days off to
		// well under a millisecond.
		m := (357.529 + 0.98560028*(jde-j2000)) * deg
		step := diff / (0.98564736 * (1 + 2*0.016709*math.Cos(m)))
		jde += step
		if math.Abs(step) < 1e-7 {
			break
		}
	}
	return jde
}

// newMoonJDE returns the Julian Ephemeris Day of true new moon number k,
// counted from the new moon of 2000-01-06 (Meeus chapter 49).
func newMoonJDE(k int) float64 {
	kf := float64(k)
	t := kf / 1236.85
	t2, t3, t4 := t*t, t*t*t, t*t*t*t
	jde := 2451550.09766 + 29.530588861*kf + 0.00015437*t2 - 0.000000150*t3 + 0.00000000073*t4
	e := 1 - 0.002516*t - 0.0000074*t2
	m := (2.5534 + 29.10535670*kf - 0.0000014*t2 - 0.00000011*t3) * deg
	mp := (201.5643 + 385.81693528*kf + 0.0107582*t2 + 0.00001238*t3 - 0.000000058*t4) * deg
	f := (160.7108 + 390.67050284*kf - 0.0016118*t2 - 0.00000227*t3 + 0.000000011*t4) * deg
	om := (124.7746 - 1.56375588*kf + 0.0020672*t2 + 0.00000215*t3) * deg
	sin := math.Sin

	jde += -0.40720*sin(mp) + 0.17241*e*sin(m) + 0.01608*sin(2*mp) + 0.01039*sin(2*f) +
		0.00739*e*sin(mp-m) - 0.00514*e*sin(mp+m) + 0.00208*e*e*sin(2*m) -
		0.00111*sin(mp-2*f) - 0.00057*sin(mp+2*f) + 0.00056*e*sin(2*mp+m) -
		0.00042*sin(3*mp) + 0.00042*e*sin(m+2*f) + 0.00038*e*sin(m-2*f) -
		0.00024*e*sin(2*mp-m) - 0.00017*sin(om) - 0.00007*sin(mp+2*m) +
		0.00004*sin(2*mp-2*f) + 0.00004*sin(3*m) + 0.00003*sin(mp+m-2*f) +
		0.00003*sin(2*mp+2*f) - 0.00003*sin(mp+m+2*f) + 0.00003*sin(mp-m+2*f) -
		0.00002*sin(mp-m-2*f) - 0.00002*sin(3*mp+m) + 0.00002*sin(4*mp)

	// Planetary arguments A1..A14.
	a := [...][3]float64{
		{299.77, 0.107408, 325}, {251.88, 0.016321, 165}, {251.83, 26.651886, 164},
		{349.42, 36.412478, 126}, {84.66, 18.206239, 110}, {141.74, 53.303771, 62},
		{207.14, 2.453732, 60}, {154.84, 7.306860, 56}, {34.52, 27.261239, 47},
		{207.19, 0.121824, 42}, {291.34, 1.844379, 40}, {161.72, 24.198154, 37},
		{239.56, 25.513099, 35}, {331.55, 3.592518, 23},
	}
	for i, c := range a {
		arg := c[0] + c[1]*kf
		if i == 0 {
			arg -= 0.009173 * t2
		}
		jde += c[2] * 1e-6 * sin(arg*deg)
	}
	return jde
}

// newMoonIndex returns the k of the last new moon at or before jde, give or
// take one; callers adjust by comparing actual instants.
func newMoonIndex(jde float64) int {
	return int(math.Floor((jde - 2451550.09766) / 29.530588861))
}

// deltaT returns TT − UT in seconds for a decimal year, using the polynomial
// fits of Espenak and Meeus (NASA, 2006). The future part is an
// extrapolation; by 2100 it is uncertain by a minute or so, which matters only
// for a new moon or solar term within that minute of midnight.
func deltaT(y float64) float64 {
	switch {
	case y < 1900:
		t := y - 1860
		return 7.62 + 0.5737*t - 0.251754*t*t + 0.01680668*t*t*t - 0.0004473624*t*t*t*t + t*t*t*t*t/233174
	case y < 1920:
		t := y - 1900
		return -2.79 + 1.494119*t - 0.0598939*t*t + 0.0061966*t*t*t - 0.000197*t*t*t*t
	case y < 1941:
		t := y - 1920
		return 21.20 + 0.84493*t - 0.076100*t*t + 0.0020936*t*t*t
	case y < 1961:
		t := y - 1950
		return 29.07 + 0.407*t - t*t/233 + t*t*t/2547
	case y < 1986:
		t := y - 1975
		return 45.45 + 1.067*t - t*t/260 - t*t*t/718
	case y < 2005:
		t := y - 2000
		return 63.86 + 0.3345*t - 0.060374*t*t + 0.0017275*t*t*t + 0.000651814*t*t*t*t + 0.00002373599*t*t*t*t*t
	case y < 2050:
		t := y - 2000
		return 62.92 + 0.32217*t + 0.005589*t*t
	default:
		u := (y - 1820) / 100
		return -20 + 32*u*u - 0.5628*(2150-y)
	}
}

// jdeToTime converts a Julian Ephemeris Day (TT) to a UTC instant.
func jdeToTime(jde float64) time.Time {
	year := 2000 + (jde-j2000)/365.25
	jd := jde - deltaT(year)/86400
	sec := (jd - unixEpochJ) * 86400
	whole := math.Floor(sec)
	return time.Unix(int64(whole), int64((sec-whole)*1e9)).UTC()
}

// jdeOfDate returns an approximate Julian Ephemeris Day for midnight UTC of d;
// it seeds the iterative searches, so the ΔT difference does not matter.
func jdeOfDate(d Date) float64 {
	return float64(d.days()) + unixEpochJ
}

// beijingOffset is local mean time at Beijing (116°25′E), in which the
// Republic's Central Observatory computed the calendar from 1912 until China
// adopted the 120°E meridian in 1929.
const beijingOffset = 7*time.Hour + 45*time.Minute + 40*time.Second

// cstDate returns the civil date in China Standard Time of the instant jde.
func cstDate(jde float64) Date {
	return DateOf(jdeToTime(jde).Add(chinaOffset))
}

// calendarDate returns the civil date of the instant jde as the Chinese
// calendar reckons it: Beijing local time for 1912–1928, China Standard Time
// otherwise. The meridian matters for three months (1914, 1916 and 1920)
// whose new moon fell in the quarter hour after midnight at 120°E. The Qing
// almanacs before 1912 used Beijing time too, but with older astronomy whose
// new moons differ by minutes from the modern ones; for 1900–1911 the modern
// computation at 120°E reproduces them, so that is what we use.
func calendarDate(jde float64) Date {
	t := jdeToTime(jde)
	if y := t.Year(); y >= 1912 && y < 1929 {
		return DateOf(t.Add(beijingOffset))
	}
	return DateOf(t.Add(chinaOffset))
}
