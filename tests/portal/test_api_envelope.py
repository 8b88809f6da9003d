from portal.api import camel_case, error_list


def test_field_errors_become_keyed_camel_case_entries():
    detail = {"environment_id": ["This field is required."], "name": ["Too long.", "Bad."]}
    assert error_list(detail) == [
        {"key": "environmentId", "message": "This field is required."},
        {"key": "name", "message": "Too long."},
        {"key": "name", "message": "Bad."},
    ]


def test_general_errors_have_no_key():
    assert error_list({"detail": "Not found."}) == [{"message": "Not found."}]
    assert error_list({"non_field_errors": ["Nope."]}) == [{"message": "Nope."}]
    assert error_list(["One.", "Two."]) == [{"message": "One."}, {"message": "Two."}]


def test_camel_case():
    assert camel_case("guest_authentication") == "guestAuthentication"
    assert camel_case("name") == "name"
