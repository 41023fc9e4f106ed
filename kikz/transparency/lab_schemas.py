"""Pydantic in/out shapes of the Citizen Lab workshops (a table is never a response)."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, EmailStr, Field, field_validator, model_validator

from kikz.transparency.lab_models import AgeGroup

MIN_AGE, MAX_AGE = 8, 27
"""Youth work in Germany reaches up to 27; the lab itself is meant for about 12 to 18."""
MAX_CAPACITY = 200


class WorkshopCreate(BaseModel):
    municipality: str = Field(min_length=1, max_length=60, description="slug of the city")
    title: str = Field(min_length=3, max_length=200)
    description: str = Field(default="", max_length=4000)
    place: str = Field(min_length=3, max_length=300)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1, le=MAX_CAPACITY)
    registration_deadline: AwareDatetime
    min_age: int = Field(ge=MIN_AGE, le=MAX_AGE)
    max_age: int = Field(ge=MIN_AGE, le=MAX_AGE)

    @field_validator("title", "place", "description")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> WorkshopCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("Das Ende muss nach dem Beginn liegen. / The end must be after the start.")
        if self.registration_deadline > self.starts_at:
            raise ValueError(
                "Der Anmeldeschluss darf nicht nach dem Beginn liegen. / The deadline must not be after the start."
            )
        if self.min_age > self.max_age:
            raise ValueError("Das Mindestalter ist größer als das Höchstalter. / Minimum age above maximum age.")
        return self


class RegistrationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=40, description="first name or nickname")
    age_group: AgeGroup
    email: EmailStr
    consent: bool
    parental_consent: bool = False

    @field_validator("name")
    @classmethod
    def _nickname(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("Bitte einen Vornamen oder Spitznamen angeben. / Please give a first name or nickname.")
        if "@" in value:
            raise ValueError(
                "Bitte hier nur einen Vornamen oder Spitznamen angeben, keine E-Mail-Adresse. "
                "/ Only a first name or nickname here."
            )
        return value

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("consent")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if not value:
            raise ValueError(
                "Ohne Einwilligung können wir die Anmeldung nicht speichern. "
                "/ Without consent we cannot store the registration."
            )
        return value

    @model_validator(mode="after")
    def _parents(self) -> RegistrationCreate:
        if self.age_group == AgeGroup.UNDER_16 and not self.parental_consent:
            raise ValueError(
                "Unter 16 Jahren muss ein Elternteil oder eine erziehungsberechtigte Person zustimmen. "
                "/ Under 16, a parent or guardian must agree."
            )
        return self


class WorkshopPublic(BaseModel):
    """What anybody may know about a workshop: never who registered."""

    id: int
    city: str
    city_name: str
    title: str
    description: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    registration_deadline: dt.datetime
    registration_open: bool
    capacity: int
    free_places: int
    min_age: int
    max_age: int
    url: str
