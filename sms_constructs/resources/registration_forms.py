"""Registration forms: what a ``Registration`` puts in its fields, typed for the common US registration types.

Each typed form maps its props to the field paths of the service's form (``companyInfo.companyName`` ...), as the
definitions shipped in ``registration_fields.json`` list them; ``RegistrationForm`` takes any registration type with
field values by path. A prop that holds personal data (names, e-mail addresses, phone numbers, tax IDs, street
addresses, postal codes) also takes a ``RegistrationFieldValue.from_secret(...)`` or ``.from_ssm_secure_string(...)``,
so that the value stays out of the template. Select values are the option values of the definitions
(``"PRIVATE_PROFIT"``), checked at synth against the shipped options; the provider checks them again against the
Region's live definitions at deploy time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from aws_cdk.interfaces.aws_smsvoice import IRegistrationAttachmentRef

from .registration_fields import RegistrationFieldValue


@runtime_checkable
class IRegistrationForm(Protocol):
    """What a ``Registration`` needs from a form: the registration type and the value of each field."""

    @property
    def registration_type(self) -> str:
        """The registration type, e.g. ``US_TOLL_FREE_REGISTRATION``."""
        ...

    def to_field_values(self) -> dict[str, RegistrationFieldValue]:
        """The value of each field to fill, by field path."""
        ...

    def prop_of(self, field_path: str) -> str:
        """The name of the form prop that holds ``field_path`` (for error messages)."""
        ...


@dataclasses.dataclass(frozen=True, kw_only=True)
class RegistrationForm:
    """A form of any registration type, with field values by path (sender IDs, long codes of other countries, ...).

    The paths and options of a type come from ``DescribeRegistrationFieldDefinitions``. For the types the library
    ships definitions of, the values are checked at synth time; for every type the provider checks them against the
    live definitions before it creates anything.

    Example::

        RegistrationForm(
            registration_type="US_TEN_DLC_BRAND_VETTING",
        )
    """

    #: The registration type, e.g. ``"GB_LONG_CODE_REGISTRATION"``. No default.
    registration_type: str
    #: The value of each field, by field path. Default: no fields (e.g. ``US_TEN_DLC_BRAND_VETTING`` has none).
    field_values: Mapping[str, RegistrationFieldValue] = dataclasses.field(default_factory=dict)

    def to_field_values(self) -> dict[str, RegistrationFieldValue]:
        """The field values, by path."""
        return dict(self.field_values)

    def prop_of(self, field_path: str) -> str:
        """``field_values['<path>']``."""
        return f"field_values[{field_path!r}]"


class _TypedForm:
    """Shared behaviour of the typed forms: tables from props to field paths."""

    registration_type: ClassVar[str]
    #: prop name -> field path of the props that hold one field each.
    _PATHS: ClassVar[dict[str, str]]
    #: The props of ``_PATHS`` that are SELECT fields (a string, or a list for a multiple choice).
    _SELECTS: ClassVar[frozenset[str]] = frozenset()
    #: prop name -> path prefix of the props that fill numbered fields (``messageSample1`` ...).
    _NUMBERED: ClassVar[dict[str, str]] = {}

    def _extra(self) -> Mapping[str, RegistrationFieldValue]:
        extra: Mapping[str, RegistrationFieldValue] = getattr(self, "extra_field_values", {}) or {}
        return extra

    def to_field_values(self) -> dict[str, RegistrationFieldValue]:
        """The value of each field, by path (``extra_field_values`` last: they may override a typed prop)."""
        values: dict[str, RegistrationFieldValue] = {}
        for prop, path in self._PATHS.items():
            value = _field(getattr(self, prop), select=prop in self._SELECTS)
            if value is not None:
                values[path] = value
        for prop, prefix in self._NUMBERED.items():
            for index, item in enumerate(getattr(self, prop) or (), start=1):
                value = _field(item, select=False)
                if value is not None:
                    values[f"{prefix}{index}"] = value
        return {**values, **self._extra()}

    def prop_of(self, field_path: str) -> str:
        """The prop that holds ``field_path``, e.g. ``company_name (companyInfo.companyName)``."""
        if field_path in self._extra():
            return f"extra_field_values[{field_path!r}]"
        for prop, path in self._PATHS.items():
            if path == field_path:
                return f"{prop} ({field_path})"
        for prop, prefix in self._NUMBERED.items():
            if field_path.startswith(prefix) and field_path[len(prefix) :].isdigit():
                return f"{prop}[{int(field_path[len(prefix) :]) - 1}] ({field_path})"
        return field_path


def _field(value: Any, *, select: bool) -> RegistrationFieldValue | None:
    """A prop value as a field value: choices for a select, Yes/No for a ``bool``, text, or an attachment."""
    if value is None:
        return None
    if isinstance(value, RegistrationFieldValue):
        return value
    if select:
        return RegistrationFieldValue.choices(*((value,) if isinstance(value, str) else value))
    if isinstance(value, bool):
        return RegistrationFieldValue.choices("Yes" if value else "No")
    if isinstance(value, str):
        return RegistrationFieldValue.text(value)
    return RegistrationFieldValue.attachment(value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UsTenDlcBrandForm(_TypedForm):
    """The US 10DLC brand registration (``US_TEN_DLC_BRAND_REGISTRATION``): the legal company, registered with The
    Campaign Registry. ``PUBLIC_PROFIT`` brands go through an e-mail authentication step (``REQUIRES_AUTHENTICATION``).

    Example::

        UsTenDlcBrandForm(
            company_name="Acme Corporation", tax_id_issuing_country="US", tax_id="123456789",
            legal_type="PRIVATE_PROFIT", address="100 Main Street", city="Seattle", state="WA", zip_code="98101",
            iso_country_code="US", dba_name="Acme", vertical="TECHNOLOGY", website="https://acme.example",
            support_email="support@acme.example", support_phone_number="+12065550142",
        )
    """

    registration_type: ClassVar[str] = "US_TEN_DLC_BRAND_REGISTRATION"
    _PATHS: ClassVar[dict[str, str]] = {
        "company_name": "companyInfo.companyName",
        "tax_id_issuing_country": "companyInfo.taxIdIssuingCountry",
        "tax_id": "companyInfo.taxId",
        "legal_type": "companyInfo.legalType",
        "stock_symbol": "companyInfo.stockSymbol",
        "stock_exchange": "companyInfo.stockExchange",
        "business_contact_email": "companyInfo.businessContactEmail",
        "address": "companyInfo.address",
        "city": "companyInfo.city",
        "state": "companyInfo.state",
        "zip_code": "companyInfo.zipCode",
        "iso_country_code": "companyInfo.isoCountryCode",
        "dba_name": "contactInfo.dbaName",
        "vertical": "contactInfo.vertical",
        "website": "contactInfo.website",
        "support_email": "contactInfo.supportEmail",
        "support_phone_number": "contactInfo.supportPhoneNumber",
    }
    _SELECTS: ClassVar[frozenset[str]] = frozenset({"legal_type", "stock_exchange", "vertical"})

    #: The exact legal name, as on the tax records. No default.
    company_name: str
    #: The country that issued the tax ID (ISO 3166-1 alpha-2). No default.
    tax_id_issuing_country: str
    #: US: the 9-digit EIN; Canada: the corporation number; elsewhere the main tax or VAT number. No default.
    tax_id: str | RegistrationFieldValue
    #: ``PRIVATE_PROFIT``, ``PUBLIC_PROFIT``, ``NON_PROFIT`` or ``GOVERNMENT`` (no sole proprietors). No default.
    legal_type: str
    #: Street address (the form's ``companyInfo.address``). No default.
    address: str | RegistrationFieldValue
    #: City. No default.
    city: str
    #: State or region. No default.
    state: str
    #: Postal code. No default.
    zip_code: str | RegistrationFieldValue
    #: Country of the address (ISO 3166-1 alpha-2). No default.
    iso_country_code: str
    #: The brand name people know ("doing business as"). No default.
    dba_name: str
    #: The industry, e.g. ``TECHNOLOGY`` (see the shipped options). No default.
    vertical: str
    #: The website, with ``https://``. No default.
    website: str
    #: Support e-mail address. No default.
    support_email: str | RegistrationFieldValue
    #: Support phone number in E.164 format (``+12065550142``). No default.
    support_phone_number: str | RegistrationFieldValue
    #: Stock symbol; required for ``PUBLIC_PROFIT``. Default: none.
    stock_symbol: str | None = None
    #: Stock exchange, e.g. ``NASDAQ``; required for ``PUBLIC_PROFIT``. Default: none.
    stock_exchange: str | None = None
    #: A person at the brand who receives the ``PUBLIC_PROFIT`` authentication e-mail. Default: none.
    business_contact_email: str | RegistrationFieldValue | None = None
    #: Further fields by path (fields added by AWS after the shipped definitions). Default: none.
    extra_field_values: Mapping[str, RegistrationFieldValue] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UsTenDlcBrandVettingForm(_TypedForm):
    """Optional, paid third-party vetting of a 10DLC brand (``US_TEN_DLC_BRAND_VETTING``), which raises campaign
    throughput. It has no fields: associate the brand registration (``associated_registrations=[brand]``) and submit.
    Vet before creating campaigns: scores do not apply to campaigns created earlier.

    Example::

        UsTenDlcBrandVettingForm()
    """

    registration_type: ClassVar[str] = "US_TEN_DLC_BRAND_VETTING"
    _PATHS: ClassVar[dict[str, str]] = {}

    #: Fields by path, should AWS add any. Default: none.
    extra_field_values: Mapping[str, RegistrationFieldValue] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UsTenDlcCampaignForm(_TypedForm):
    """A US 10DLC campaign (``US_TEN_DLC_CAMPAIGN_REGISTRATION``): the use case, the opt-in flow and sample messages.

    Associate exactly one brand registration before submitting (``associated_registrations=[brand]``); 10DLC numbers
    are associated after the campaign is ``COMPLETE``. Either a link or a file is needed for the terms and conditions
    and for the privacy policy.

    Example::

        UsTenDlcCampaignForm(
            campaign_name="Acme sends one-time passcodes to customers who sign in to acme.example.",
            vertical="TECHNOLOGY", use_case="TWO_FACTOR_AUTHENTICATION", number_capabilities="SMS",
            opt_in_workflow="Customers enter their number on acme.example/signin and tick an unchecked consent box.",
            opt_in_message="Acme: you will get sign-in codes. Msg&data rates may apply. Reply STOP to cancel.",
            help_message="Acme sign-in codes. Help: support@acme.example. Reply STOP to cancel.",
            stop_message="Acme: you are unsubscribed and will get no more messages.",
            terms_and_conditions_link="https://acme.example/terms", privacy_policy_link="https://acme.example/privacy",
            direct_lending=False, embedded_link=False, embedded_phone=False, age_gated=False,
            message_samples=["Acme: your sign-in code is 123456. It expires in 10 minutes."],
        )
    """

    registration_type: ClassVar[str] = "US_TEN_DLC_CAMPAIGN_REGISTRATION"
    _PATHS: ClassVar[dict[str, str]] = {
        "campaign_name": "campaignInfo.campaignName",
        "vertical": "campaignInfo.vertical",
        "terms_and_conditions_link": "campaignInfo.termsAndConditionsLink",
        "terms_and_conditions_file": "campaignInfo.termsAndConditionsFile",
        "privacy_policy_link": "campaignInfo.privacyPolicyLink",
        "privacy_policy_file": "campaignInfo.privacyPolicyFile",
        "opt_in_workflow": "campaignInfo.optInWorkflow",
        "opt_in_screenshot": "campaignInfo.optInScreenshot",
        "opt_in_keyword": "campaignInfo.optInKeyword",
        "opt_in_message": "campaignInfo.optInMessage",
        "help_message": "campaignInfo.helpMessage",
        "stop_message": "campaignInfo.stopMessage",
        "number_capabilities": "campaignCapabilities.numberCapabilities",
        "message_type": "campaignCapabilities.messageType",
        "use_case": "campaignUseCase.useCase",
        "sub_use_cases": "campaignUseCase.subUseCases",
        "subscriber_opt_in": "campaignUseCase.subscriberOptIn",
        "subscriber_opt_out": "campaignUseCase.subscriberOptOut",
        "subscriber_help": "campaignUseCase.subscriberHelp",
        "direct_lending": "campaignUseCase.directLending",
        "embedded_link": "campaignUseCase.embeddedLink",
        "embedded_phone": "campaignUseCase.embeddedPhone",
        "age_gated": "campaignUseCase.ageGated",
        "embedded_link_sample": "campaignUseCase.embeddedLinkSample",
    }
    _SELECTS: ClassVar[frozenset[str]] = frozenset(
        {"vertical", "number_capabilities", "message_type", "use_case", "sub_use_cases"}
    )
    _NUMBERED: ClassVar[dict[str, str]] = {
        "message_samples": "messageSamples.messageSample",
        "mms_file_samples": "mmsFileSamples.mmsFileSample",
    }

    #: The campaign description (the form calls it ``campaignName``): 40 characters or more. No default.
    campaign_name: str
    #: The industry, e.g. ``TECHNOLOGY``. No default.
    vertical: str
    #: The use case, e.g. ``TWO_FACTOR_AUTHENTICATION``, ``MIXED``, ``LOW_VOLUME``. No default.
    use_case: str
    #: ``"SMS"``, ``"SMS and MMS"``, ``"SMS and VOICE"`` or ``"SMS and MMS and VOICE"``; fixed once numbers exist.
    #: No default.
    number_capabilities: str
    #: How recipients opt in (40–2048 characters, no leading or trailing space). No default.
    opt_in_workflow: str
    #: The confirmation sent after opt-in (20 characters or more). No default.
    opt_in_message: str
    #: The reply to HELP (20 characters or more). No default.
    help_message: str
    #: The reply to STOP (20 characters or more). No default.
    stop_message: str
    #: Whether the messages offer direct lending. No default.
    direct_lending: bool
    #: Whether the messages contain links. No default.
    embedded_link: bool
    #: Whether the messages contain phone numbers. No default.
    embedded_phone: bool
    #: Whether the content is age-gated. No default.
    age_gated: bool
    #: 1–5 sample messages (20–1024 characters each), as ``messageSample1`` ... ``messageSample5``. No default.
    message_samples: Sequence[str]
    #: Link to the terms and conditions (a link or ``terms_and_conditions_file`` is needed). Default: none.
    terms_and_conditions_link: str | None = None
    #: The terms and conditions as a file. Default: none.
    terms_and_conditions_file: IRegistrationAttachmentRef | None = None
    #: Link to the privacy policy (a link or ``privacy_policy_file`` is needed). Default: none.
    privacy_policy_link: str | None = None
    #: The privacy policy as a file. Default: none.
    privacy_policy_file: IRegistrationAttachmentRef | None = None
    #: A screenshot of the opt-in (needed when it is behind a login, verbal or printed). Default: none.
    opt_in_screenshot: IRegistrationAttachmentRef | None = None
    #: The keyword that opts in by text. Default: none.
    opt_in_keyword: str | None = None
    #: ``Transactional`` or ``Promotional``. Default: not set.
    message_type: str | None = None
    #: 1–5 sub use cases, required for ``MIXED`` and ``LOW_VOLUME``. Default: none.
    sub_use_cases: Sequence[str] | None = None
    #: A sample link, needed when ``embedded_link`` is true (no public URL shorteners). Default: none.
    embedded_link_sample: str | None = None
    #: The campaign collects opt-in (the form only accepts "Yes"). Default: ``True``.
    subscriber_opt_in: bool = True
    #: The campaign honours opt-out (the form only accepts "Yes"). Default: ``True``.
    subscriber_opt_out: bool = True
    #: The campaign answers HELP (the form only accepts "Yes"). Default: ``True``.
    subscriber_help: bool = True
    #: Up to 5 MMS samples, as ``mmsFileSample1`` ... ``mmsFileSample5``. Default: none.
    mms_file_samples: Sequence[IRegistrationAttachmentRef] = ()
    #: Further fields by path (fields added by AWS after the shipped definitions). Default: none.
    extra_field_values: Mapping[str, RegistrationFieldValue] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UsTollFreeForm(_TypedForm):
    """US toll-free number verification (``US_TOLL_FREE_REGISTRATION``): one business and one use case per number.

    Associate the toll-free number before submitting (``associated_phone_numbers=[number]``); an unregistered
    toll-free number stays ``PENDING``. From 2026-09-15 the privacy policy and terms URLs are required.

    Example::

        UsTollFreeForm(
            company_name="Acme Corporation", website="https://acme.example", address1="100 Main Street",
            city="Seattle", state="WA", zip_code="98101", iso_country_code="US", business_type="PRIVATE_PROFIT",
            tax_id="12-3456789", tax_id_authority="EIN", tax_id_country="US",
            first_name="Jane", last_name="Doe", support_email="support@acme.example",
            support_phone_number="+12065550142", monthly_message_volume="10,000",
            use_case_category="ONE_TIME_PASSCODES", use_case_details="Sign-in codes for acme.example customers.",
            opt_in_type="DIGITAL_FORM", opt_in_description="Customers tick an unchecked box on acme.example/signin.",
            opt_in_image=opt_in_screenshot, privacy_policy_url="https://acme.example/privacy",
            terms_and_conditions_url="https://acme.example/terms",
            message_samples=["Acme: your sign-in code is 123456. It expires in 10 minutes."],
        )
    """

    registration_type: ClassVar[str] = "US_TOLL_FREE_REGISTRATION"
    _PATHS: ClassVar[dict[str, str]] = {
        "company_name": "companyInfo.companyName",
        "website": "companyInfo.website",
        "address1": "companyInfo.address1",
        "address2": "companyInfo.address2",
        "city": "companyInfo.city",
        "state": "companyInfo.state",
        "zip_code": "companyInfo.zipCode",
        "iso_country_code": "companyInfo.isoCountryCode",
        "business_type": "companyInfo.businessType",
        "tax_id": "companyInfo.taxId",
        "tax_id_authority": "companyInfo.taxIdAuthority",
        "tax_id_country": "companyInfo.taxIdCountry",
        "first_name": "contactInfo.firstName",
        "last_name": "contactInfo.lastName",
        "support_email": "contactInfo.supportEmail",
        "support_phone_number": "contactInfo.supportPhoneNumber",
        "monthly_message_volume": "messagingUseCase.monthlyMessageVolume",
        "use_case_category": "messagingUseCase.useCaseCategory",
        "use_case_details": "messagingUseCase.useCaseDetails",
        "opt_in_type": "messagingUseCase.optInType",
        "opt_in_description": "messagingUseCase.optInDescription",
        "opt_in_image": "messagingUseCase.optInImage",
        "privacy_policy_url": "messagingUseCase.privacyPolicyUrl",
        "terms_and_conditions_url": "messagingUseCase.termsAndConditionsUrl",
    }
    _SELECTS: ClassVar[frozenset[str]] = frozenset(
        {"business_type", "tax_id_authority", "monthly_message_volume", "use_case_category", "opt_in_type"}
    )
    _NUMBERED: ClassVar[dict[str, str]] = {"message_samples": "messageSamples.messageSample"}

    #: The legal company name (1–100 characters). No default.
    company_name: str
    #: The public website, with ``https://``. No default.
    website: str
    #: Street address. No default.
    address1: str | RegistrationFieldValue
    #: City. No default.
    city: str
    #: State or region. No default.
    state: str
    #: Postal code. No default.
    zip_code: str | RegistrationFieldValue
    #: Country of the address (ISO 3166-1 alpha-2). No default.
    iso_country_code: str
    #: ``PRIVATE_PROFIT``, ``PUBLIC_PROFIT``, ``NON_PROFIT``, ``SOLE_PROPRIETOR`` or ``GOVERNMENT``. No default.
    business_type: str
    #: Contact's first name. No default.
    first_name: str | RegistrationFieldValue
    #: Contact's last name. No default.
    last_name: str | RegistrationFieldValue
    #: Support e-mail, on the website's domain. No default.
    support_email: str | RegistrationFieldValue
    #: Support phone number in E.164 format. No default.
    support_phone_number: str | RegistrationFieldValue
    #: Expected messages per month: ``"10"``, ``"100"``, ``"1,000"`` ... ``"10,000,000+"``. No default.
    monthly_message_volume: str
    #: The use case, e.g. ``ONE_TIME_PASSCODES`` or ``ACCOUNT_NOTIFICATIONS``. No default.
    use_case_category: str
    #: What the messages are for (at most 500 characters). No default.
    use_case_details: str
    #: ``VERBAL``, ``DIGITAL_FORM``, ``PAPER_FORM``, ``TEXT`` or ``QR_CODE``. No default.
    opt_in_type: str
    #: How recipients opt in (at most 1500 characters). No default.
    opt_in_description: str
    #: A PNG screenshot (at most 400 KB) of the unchecked consent box with the full disclosure. No default.
    opt_in_image: IRegistrationAttachmentRef
    #: The public privacy policy URL (at most 500 characters). No default.
    privacy_policy_url: str
    #: The public terms and conditions URL (at most 500 characters). No default.
    terms_and_conditions_url: str
    #: 1–3 sample messages (20–1024 characters each), as ``messageSample1`` ... ``messageSample3``. No default.
    message_samples: Sequence[str]
    #: Second address line. Default: none.
    address2: str | RegistrationFieldValue | None = None
    #: EIN, VAT or registration number; required unless ``SOLE_PROPRIETOR``. Default: none.
    tax_id: str | RegistrationFieldValue | None = None
    #: Who issued the tax ID, e.g. ``EIN`` or ``VAT``; required unless ``SOLE_PROPRIETOR``. Default: none.
    tax_id_authority: str | None = None
    #: Country of that authority (ISO 3166-1 alpha-2); required unless ``SOLE_PROPRIETOR``. Default: none.
    tax_id_country: str | None = None
    #: Further fields by path (fields added by AWS after the shipped definitions). Default: none.
    extra_field_values: Mapping[str, RegistrationFieldValue] = dataclasses.field(default_factory=dict)
