"""The attribute stage learns a UK range from its other users before locating accounts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from safeguard.attribute import attribute_subjects, run
from safeguard.config import Settings
from safeguard.store.db import Store
from safeguard.store.models import Attribution, StageRun
from tests.integration.attribute.conftest import Acct, add_subject, build
from tests.support.mmdb import city, write_mmdb

# 90.1.2.0/24: the database knows only that it is in GB (radius 200 km, no force).
PEERS = [
    Acct(f"peer{i}", postcode=pc, logins=[(f"90.1.2.{10 + i}", 12, 40)])
    for i, pc in enumerate(("BD1 1AA", "LS1 4AP", "BD3"))
]
QUIET = Acct("quiet", logins=[("90.1.2.99", 20, 60)])  # declares nothing


def test_a_country_only_range_places_a_quiet_user(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    db = write_mmdb(
        tmp_path / "City.mmdb", "GeoIP2-City", {"90.1.2.0/24": city("GB", 51.4964, -0.1224, 200)}
    )
    geo = Settings(data_dir=settings.data_dir, database_url=settings.database_url, geoip_city=db)
    ids = build(store, "op", [*PEERS, QUIET])
    add_subject(store, "op", "S-quiet", [ids["quiet"]])
    run(store, geo, "op")
    attribute_subjects(store, geo, "op")
    with store.session() as s:
        rows = list(s.scalars(select(Attribution)))
        timings = [r.timings for r in s.scalars(select(StageRun)) if "learn" in r.timings]
    quiet = next(r for r in rows if r.account_id == ids["quiet"])
    assert (quiet.country, quiet.force_id, quiet.confidence) == ("GB", "west-yorkshire", "medium")
    (learned,) = [e for e in quiet.evidence if e.get("family") == "range"]
    assert learned["detail"]["peers"] == 3 and learned["detail"]["network"] == "90.1.2.0/24"
    subject = next(r for r in rows if r.subject_id is not None)
    assert subject.force_id == "west-yorkshire"
    assert timings
