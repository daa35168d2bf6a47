from __future__ import annotations

import pytest

from safeguard.config import Settings
from tests.support.data import GEOIP


@pytest.fixture
def geo_settings() -> Settings:
    return Settings(
        geoip_city=GEOIP / "GeoIP2-City-Test.mmdb",
        geoip_anonymous=GEOIP / "GeoIP2-Anonymous-IP-Test.mmdb",
    )
