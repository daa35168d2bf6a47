from __future__ import annotations

from pathlib import Path

import pytest

from safeguard.config import Settings

GEOIP = Path(__file__).resolve().parents[4] / "shared" / "data" / "geoip"


@pytest.fixture
def geo_settings() -> Settings:
    return Settings(
        geoip_city=GEOIP / "GeoIP2-City-Test.mmdb",
        geoip_anonymous=GEOIP / "GeoIP2-Anonymous-IP-Test.mmdb",
    )
