"""The same scan on a two-worker Dask cluster and on the local process pool reports the same."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from distributed import LocalCluster

from safeguard import scan
from safeguard.config import Settings
from safeguard.errors import ConfigError
from safeguard.store.db import Store
from tests.integration.scan.conftest import body
from tests.support.devices import Device


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
    ) as c:
        yield c


@pytest.mark.slow
def test_dask_cluster_and_local_pool_give_the_same_report(
    scan_store: tuple[Store, Settings], device: Device, cluster: LocalCluster
) -> None:
    store, settings = scan_store
    address = cluster.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    on_dask = scan.run(store, settings, scan.ScanRequest(device.root, "D-1", scheduler=address))
    local = scan.run(store, settings, scan.ScanRequest(device.root, "D-2", workers=2))
    dask_report = scan.scan_report(store, str(on_dask.scan_id))
    local_report = scan.scan_report(store, str(local.scan_id))
    assert body(dask_report) == body(local_report)
    assert dask_report["counts"]["categories"]["A"] >= 1
    assert len(cluster.scheduler_info["workers"]) == 2


def test_an_unreachable_scheduler_is_a_configuration_error(
    scan_store: tuple[Store, Settings], device: Device
) -> None:
    store, settings = scan_store
    req = scan.ScanRequest(device.root, "D-3", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        scan.run(store, settings, req)
