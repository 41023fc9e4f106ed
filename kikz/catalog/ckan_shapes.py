"""kikz data in the shapes of the CKAN 2.10 Action API: packages, resources, organisations, groups, licences.

Field names follow CKAN core and the conventions of ckanext-dcat / GovData's ckanext-dcatde for extras, so
existing CKAN clients and harvesters read kikz without changes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from kikz.catalog import service
from kikz.catalog.models import Dataset, Distribution, License
from kikz.catalog.vocabularies import (
    ACCESS_RIGHT_BASE,
    CONTRIBUTOR_BASE,
    EU_THEMES,
    FREQUENCY_BASE,
    GEOCODING_LEVEL_BASE,
    LICENSE_BASE,
    REGIONAL_KEY_BASE,
    THEME_BASE,
)
from kikz.tenancy.models import Municipality
from kikz.types import DatasetStatus, ProtectionClass

CKAN_VERSION = "2.10.4"
# The Hessian cities publish to GovData through the state's portal, which is the listed contributor.
CONTRIBUTOR_ID = CONTRIBUTOR_BASE + "hessen"
SHA256_ALGORITHM = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"


def ckan_time(value: dt.datetime | None) -> str | None:
    """CKAN writes UTC timestamps without an offset, with microseconds."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def is_public(dataset: Dataset) -> bool:
    return dataset.protection_class is ProtectionClass.OEFFENTLICH and dataset.status is DatasetStatus.PUBLISHED


def group_name(theme: str) -> str:
    return theme.lower()


def theme_of_group(name: str) -> str:
    return name.strip().upper()


def organization_dict(city: Municipality, *, package_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": city.slug,
        "name": city.slug,
        "title": city.name,
        "display_name": city.name,
        "description": city.description,
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(city.created_at),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def organization_extras(city: Municipality) -> list[dict[str, str]]:
    pairs = {
        "ags": city.ags,
        "ars": city.ars,
        "kind": city.kind.value,
        "official_name": city.official_name,
        "website": city.website,
        "email": city.email,
    }
    return [{"key": k, "value": v} for k, v in sorted(pairs.items()) if v]


def group_dict(theme: str, *, package_count: int | None = None) -> dict[str, Any]:
    german, english = EU_THEMES[theme]
    out: dict[str, Any] = {
        "id": group_name(theme),
        "name": group_name(theme),
        "title": german,
        "display_name": german,
        "description": f"{english} ({THEME_BASE}{theme})",
        "image_url": "",
        "image_display_url": "",
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
        "type": "group",
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def license_dict(lic: License) -> dict[str, Any]:
    return {
        "id": lic.id,
        "title": lic.title,
        "url": lic.url or lic.iri,
        "status": "active",
        "maintainer": "",
        "family": "",
        "domain_content": False,
        "domain_data": True,
        "domain_software": False,
        "is_generic": False,
        "is_okd_compliant": lic.is_open,
        "is_osi_compliant": False,
        "od_conformance": "approved" if lic.is_open else "not reviewed",
        "osd_conformance": "not reviewed",
        "iri": lic.iri,
    }


def resource_dict(dist: Distribution, dataset: Dataset, position: int, base_url: str) -> dict[str, Any]:
    url = service.download_url(base_url, dist)
    return {
        "id": dist.identifier,
        "package_id": dataset.identifier,
        "name": dist.title,
        "description": dist.description,
        "url": url,
        "access_url": url if dist.is_stored_file else dist.access_url,
        "download_url": url if dist.is_stored_file else dist.download_url,
        "format": dist.format,
        "mimetype": dist.media_type or None,
        "size": dist.byte_size,
        "hash": dist.checksum_sha256 or "",
        "hash_algorithm": SHA256_ALGORITHM if dist.checksum_sha256 else None,
        "license": dist.license_id,
        "created": ckan_time(dist.created_at),
        "last_modified": ckan_time(dist.modified),
        "metadata_modified": ckan_time(dist.modified or dist.created_at),
        "position": position,
        "state": "active",
        "url_type": "upload" if dist.is_stored_file else None,
        "resource_type": None,
        "datastore_active": False,
        "cache_url": None,
    }


def access_right(dataset: Dataset) -> str:
    if dataset.access_rights:
        return dataset.access_rights
    return {ProtectionClass.OEFFENTLICH: "PUBLIC", ProtectionClass.INTERN: "RESTRICTED"}.get(
        dataset.effective_class, "NON_PUBLIC"
    )


def package_extras(dataset: Dataset) -> list[dict[str, str]]:
    city = dataset.municipality
    pairs: dict[str, str] = {
        "identifier": dataset.identifier,
        "protection_class": dataset.effective_class.value,
        "theme": json.dumps([THEME_BASE + t for t in dataset.themes]) if dataset.themes else "",
        "contributorID": json.dumps([CONTRIBUTOR_ID]),
        "issued": ckan_time(dataset.issued) or "",
        "modified": ckan_time(dataset.modified) or "",
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
        "spatial": json.dumps(dataset.spatial_geojson) if dataset.spatial_geojson else "",
        "politicalGeocodingLevelURI": GEOCODING_LEVEL_BASE + "municipality",
        "politicalGeocodingURI": json.dumps([REGIONAL_KEY_BASE + city.ars]) if city.ars else "",
        "access_rights": ACCESS_RIGHT_BASE + access_right(dataset),
        "frequency": FREQUENCY_BASE + dataset.accrual_periodicity if dataset.accrual_periodicity else "",
        "language": dataset.language,
        "conforms_to": dataset.conforms_to,
        "legalbasisText": dataset.legal_basis,
        "publisher_name": dataset.publisher_name,
        "publisher_uri": dataset.publisher_uri,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "contact_uri": dataset.contact_url,
        "license": LICENSE_BASE + dataset.license_id if dataset.license_id else "",
    }
    return [{"key": k, "value": v} for k, v in sorted(pairs.items()) if v]


def package_dict(dataset: Dataset, base_url: str) -> dict[str, Any]:
    lic = dataset.license
    org = organization_dict(dataset.municipality)
    resources = [resource_dict(d, dataset, i, base_url) for i, d in enumerate(dataset.distributions)]
    tags = [{"name": k, "display_name": k, "state": "active", "vocabulary_id": None} for k in dataset.keywords]
    groups = [group_dict(t) for t in dataset.themes if t in EU_THEMES]
    return {
        "id": dataset.identifier,
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.description,
        "url": dataset.landing_page or service.dataset_url(base_url, dataset),
        "version": str(dataset.version),
        "state": "active",
        "private": not is_public(dataset),
        "type": "dataset",
        "metadata_created": ckan_time(dataset.created_at),
        "metadata_modified": ckan_time(dataset.modified or dataset.updated_at),
        "author": dataset.publisher_name,
        "author_email": "",
        "maintainer": dataset.contact_name or dataset.publisher_name,
        "maintainer_email": dataset.contact_email,
        "license_id": dataset.license_id or "",
        "license_title": lic.title if lic else "",
        "license_url": (lic.url or lic.iri) if lic else "",
        "isopen": bool(lic and lic.is_open),
        "organization": org,
        "owner_org": org["id"],
        "groups": groups,
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": package_extras(dataset),
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "creator_user_id": None,
    }
