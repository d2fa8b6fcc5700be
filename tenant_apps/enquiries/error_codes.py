"""Problem codes of enquiry statistics (besides the platform's ``validation_error``, ``not_found``)."""

from enum import StrEnum


class EnquiryErrorCode(StrEnum):
    FILE_TOO_LARGE = "file_too_large"
    INVALID_FILE = "invalid_file"
    FROM_LEADS = "enquiries_from_leads"
