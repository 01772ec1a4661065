"""Valid registration forms for tests, with overridable props (one place, used by several test modules)."""

from __future__ import annotations

from typing import Any

from aws_cdk.interfaces.aws_smsvoice import IRegistrationAttachmentRef

from sms_constructs.resources.registration_forms import UsTenDlcBrandForm, UsTenDlcCampaignForm, UsTollFreeForm

SAMPLE = "Acme: your sign-in code is 123456. It expires in 10 minutes."


def brand_form(**overrides: Any) -> UsTenDlcBrandForm:
    props: dict[str, Any] = {
        "company_name": "Acme Corporation",
        "tax_id_issuing_country": "US",
        "tax_id": "123456789",
        "legal_type": "PRIVATE_PROFIT",
        "address": "100 Main Street",
        "city": "Seattle",
        "state": "WA",
        "zip_code": "98101",
        "iso_country_code": "US",
        "dba_name": "Acme",
        "vertical": "TECHNOLOGY",
        "website": "https://acme.example",
        "support_email": "support@acme.example",
        "support_phone_number": "+12065550142",
    }
    props.update(overrides)
    return UsTenDlcBrandForm(**props)


def campaign_form(**overrides: Any) -> UsTenDlcCampaignForm:
    props: dict[str, Any] = {
        "campaign_name": "Acme sends one-time passcodes to customers who sign in to acme.example.",
        "vertical": "TECHNOLOGY",
        "use_case": "TWO_FACTOR_AUTHENTICATION",
        "number_capabilities": "SMS",
        "opt_in_workflow": "Customers enter their number on acme.example/signin and tick an unchecked consent box.",
        "opt_in_message": "Acme: you will get sign-in codes. Msg&data rates may apply. Reply STOP to cancel.",
        "help_message": "Acme sign-in codes. Help: support@acme.example. Reply STOP to cancel.",
        "stop_message": "Acme: you are unsubscribed and will get no more messages.",
        "terms_and_conditions_link": "https://acme.example/terms",
        "privacy_policy_link": "https://acme.example/privacy",
        "direct_lending": False,
        "embedded_link": False,
        "embedded_phone": False,
        "age_gated": False,
        "message_samples": [SAMPLE],
    }
    props.update(overrides)
    return UsTenDlcCampaignForm(**props)


def toll_free_form(opt_in_image: IRegistrationAttachmentRef, **overrides: Any) -> UsTollFreeForm:
    props: dict[str, Any] = {
        "company_name": "Acme Corporation",
        "website": "https://acme.example",
        "address1": "100 Main Street",
        "city": "Seattle",
        "state": "WA",
        "zip_code": "98101",
        "iso_country_code": "US",
        "business_type": "PRIVATE_PROFIT",
        "tax_id": "12-3456789",
        "tax_id_authority": "EIN",
        "tax_id_country": "US",
        "first_name": "Jane",
        "last_name": "Doe",
        "support_email": "support@acme.example",
        "support_phone_number": "+12065550142",
        "monthly_message_volume": "10,000",
        "use_case_category": "ONE_TIME_PASSCODES",
        "use_case_details": "Sign-in codes for acme.example customers.",
        "opt_in_type": "DIGITAL_FORM",
        "opt_in_description": "Customers tick an unchecked box on acme.example/signin.",
        "opt_in_image": opt_in_image,
        "privacy_policy_url": "https://acme.example/privacy",
        "terms_and_conditions_url": "https://acme.example/terms",
        "message_samples": [SAMPLE],
    }
    props.update(overrides)
    return UsTollFreeForm(**props)
