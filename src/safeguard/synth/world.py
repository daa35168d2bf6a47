"""The synthetic world outside the data: countries, cities, names, sectors, email domains."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BORDER_DISTRICTS",
    "COUNTRIES",
    "EMAIL_DOMAINS",
    "FIRST_NAMES",
    "SECTORS",
    "SURNAME_PARTS",
    "UK_NATIONS",
    "Country",
]


@dataclass(frozen=True)
class Country:
    iso: str
    name: str
    city: str
    lat: float
    lon: float
    calling_code: str
    weight: float


#: Countries other than the UK, with the city their synthetic ranges are placed in.
COUNTRIES: tuple[Country, ...] = (
    Country("US", "United States", "Chicago", 41.88, -87.63, "1", 20.0),
    Country("CA", "Canada", "Toronto", 43.65, -79.38, "1", 4.0),
    Country("DE", "Germany", "Berlin", 52.52, 13.40, "49", 6.0),
    Country("FR", "France", "Lyon", 45.76, 4.84, "33", 5.0),
    Country("NL", "Netherlands", "Utrecht", 52.09, 5.12, "31", 3.0),
    Country("ES", "Spain", "Valencia", 39.47, -0.38, "34", 4.0),
    Country("IT", "Italy", "Milan", 45.46, 9.19, "39", 4.0),
    Country("PL", "Poland", "Krakow", 50.06, 19.94, "48", 3.0),
    Country("SE", "Sweden", "Gothenburg", 57.71, 11.97, "46", 2.0),
    Country("IE", "Ireland", "Cork", 51.90, -8.47, "353", 3.0),
    Country("AU", "Australia", "Brisbane", -27.47, 153.03, "61", 4.0),
    Country("NZ", "New Zealand", "Wellington", -41.29, 174.78, "64", 1.0),
    Country("IN", "India", "Pune", 18.52, 73.86, "91", 5.0),
    Country("BR", "Brazil", "Curitiba", -25.43, -49.27, "55", 4.0),
    Country("MX", "Mexico", "Guadalajara", 20.67, -103.35, "52", 3.0),
    Country("PH", "Philippines", "Cebu City", 10.32, 123.89, "63", 3.0),
    Country("TH", "Thailand", "Chiang Mai", 18.79, 98.98, "66", 2.0),
    Country("ZA", "South Africa", "Durban", -29.86, 31.02, "27", 2.0),
    Country("NG", "Nigeria", "Ibadan", 7.38, 3.95, "234", 2.0),
    Country("RO", "Romania", "Cluj-Napoca", 46.77, 23.60, "40", 2.0),
    Country("UA", "Ukraine", "Lviv", 49.84, 24.03, "380", 2.0),
    Country("JP", "Japan", "Osaka", 34.69, 135.50, "81", 2.0),
    Country("TR", "Turkey", "Izmir", 38.42, 27.14, "90", 2.0),
    Country("AR", "Argentina", "Cordoba", -31.42, -64.18, "54", 2.0),
    Country("CH", "Switzerland", "Zurich", 47.37, 8.54, "41", 1.0),
)

#: UK nation of a force (``refdata.uk.Force.country``) → MaxMind subdivision.
UK_NATIONS: dict[str, tuple[str, str]] = {
    "England": ("ENG", "England"),
    "Wales": ("WLS", "Wales"),
    "Scotland": ("SCT", "Scotland"),
    "Northern Ireland": ("NIR", "Northern Ireland"),
}

#: Postcode districts split between forces (or nations); some UK persons live in them.
BORDER_DISTRICTS: tuple[str, ...] = ("BD20", "TD15", "CH1", "HR3", "EC1A")

#: Sectors of a position of trust, as police checks report them.
SECTORS: tuple[str, ...] = (
    "education",
    "childcare",
    "health",
    "police",
    "religious",
    "youth-sport",
)

FIRST_NAMES: tuple[str, ...] = (
    "alex", "sam", "jordan", "casey", "robin", "morgan", "taylor", "jamie", "charlie", "drew",
    "riley", "quinn", "avery", "rowan", "sasha", "emery", "harper", "finley", "reese", "skyler",
    "dana", "kit", "lee", "noel", "remy", "toby", "ellis", "frankie", "jules", "marley",
)  # fmt: skip

#: Invented syllables; surnames are two of them ("calvren", "dostwick"), never a real list.
SURNAME_PARTS: tuple[str, ...] = (
    "cal", "dost", "mer", "brin", "fen", "hol", "kest", "lorn", "marl", "pem", "quil", "rad",
    "sel", "tav", "ulm", "vard", "wex", "yarn", "zell", "ash",
    "vren", "wick", "ford", "ley", "mont", "by", "ton", "ridge", "stead", "holm",
)  # fmt: skip

#: (domain, weight, is_gmail). Gmail ignores dots and ``+tags`` in the local part.
EMAIL_DOMAINS: tuple[tuple[str, float, bool], ...] = (
    ("gmail.com", 0.40, True),
    ("googlemail.com", 0.03, True),
    ("outlook.com", 0.17, False),
    ("yahoo.co.uk", 0.10, False),
    ("protonmail.com", 0.10, False),
    ("mail.example", 0.20, False),
)
