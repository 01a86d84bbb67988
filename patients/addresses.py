"""US postal addresses and phone numbers as patients type them: pure functions, no database.

Each `*_or_none` returns the value in the one form stored and printed on packets, or None when
the text cannot be one (the form then says how to write it)."""

import re

# USPS codes: the states, DC, the territories and the military "states" (AA, AE, AP).
US_STATES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "AS": "American Samoa",
    "GU": "Guam",
    "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands",
    "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe",
    "AP": "Armed Forces Pacific",
}
_STATE_BY_NAME = {re.sub(r"[^a-z]", "", name.lower()): code for code, name in US_STATES.items()}
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)


def state_code_or_none(text: str) -> str | None:
    """Whether typed "il", "IL", "Illinois" or " illinois ", the code IL."""
    letters = re.sub(r"[^a-z]", "", text.lower())
    if letters.upper() in US_STATES:
        return letters.upper()
    return _STATE_BY_NAME.get(letters)


def zip_code_or_none(text: str) -> str | None:
    """5 digits, or ZIP+4 as 12345-6789 (typed with or without the dash)."""
    digits = re.sub(r"[\s-]", "", text)
    if re.fullmatch(r"\d{5}", digits):
        return digits
    if re.fullmatch(r"\d{9}", digits):
        return f"{digits[:5]}-{digits[5:]}"
    return None


def us_phone_or_none(text: str) -> str | None:
    """A 10-digit US number however it is punctuated, with an optional leading 1 and extension,
    as (217) 555-0142 or (217) 555-0142 ext. 12."""
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension, text = match.group(1), text[: match.start()]
    if re.search(r"[^\d\s().+\-]", text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        return None
    number = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return f"{number} ext. {extension}" if extension else number
