"""GET /api/dni/<dni>: the RUC 10 made of a DNI, looked up like any RUC."""

import zipfile

import pytest

from devtools.padron_generator import write_padron
from devtools.replica import PERSON_RUC
from sunat.registers.importer import import_padron
from sunat.validators import InvalidDni, ruc_for_dni, validate_ruc

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

PERSON_DNI = PERSON_RUC[2:10]


@pytest.mark.standalone
@pytest.mark.parametrize("dni", ["12345678", "00000000", "40151046", "99999999"])
def test_ruc_for_dni_is_10_the_dni_and_a_valid_check_digit(dni):
    ruc = ruc_for_dni(dni)

    assert ruc.startswith(f"10{dni}") and len(ruc) == 11
    assert validate_ruc(ruc) == ruc


@pytest.mark.standalone
@pytest.mark.parametrize("value", ["1234567", "123456789", "", "1234567a", "１２３４５６７８", " 2345678"])
def test_ruc_for_dni_refuses_anything_but_8_ascii_digits(value):
    with pytest.raises(InvalidDni, match="8 dígitos"):
        ruc_for_dni(value)


def test_dni_answers_the_persons_ruc_from_sunat(client, replica):
    response = client.get(f"/api/dni/{PERSON_DNI}")

    assert response.status_code == 200 and response["X-Cache"] == "MISS"
    assert response.json()["ruc"] == PERSON_RUC
    assert response.json() == client.get(f"/api/ruc/{PERSON_RUC}").json()
    assert replica.stats()["by_ruc"].get(PERSON_RUC) == 1  # the second answer came from the cache


def test_dni_without_ruc_is_404_naming_both(client, replica):
    dni = "40151047"
    replica.config.not_found = frozenset({ruc_for_dni(dni)})

    response = client.get(f"/api/dni/{dni}")

    assert response.status_code == 404
    assert response.json() == {"error": "dni_sin_ruc", "detail": "SUNAT no tiene un RUC para este DNI.",
                               "dni": dni, "ruc": ruc_for_dni(dni)}


@pytest.mark.parametrize("dni", ["1234567", "123456789", "abcdefgh", "1234567%20"])
def test_malformed_dni_is_400_and_sunat_is_not_asked(client, replica, dni):
    response = client.get(f"/api/dni/{dni}")

    assert response.status_code == 400
    assert response.json()["error"] == "dni_invalido"
    assert replica.stats()["queries"] == 0


def test_bad_fresh_parameter_is_400_naming_the_dni(client, replica):
    response = client.get(f"/api/dni/{PERSON_DNI}?fresh=x")

    assert response.status_code == 400
    assert response.json()["error"] == "parametro_invalido" and response.json()["dni"] == PERSON_DNI
    assert replica.stats()["queries"] == 0


def test_dni_path_without_a_dni_is_400_json(client, replica):
    response = client.get("/api/dni/")

    assert response.status_code == 400 and response.json()["error"] == "dni_invalido"


@pytest.mark.django_db(transaction=True)
def test_dni_whose_ruc_is_in_the_padron_is_answered_from_it(client, replica, tmp_path):
    path = write_padron(tmp_path / "padron.zip", 300)
    person_ruc = next(line.split("|")[0] for line in _lines(path) if line.startswith("10"))
    import_padron(path)

    response = client.get(f"/api/dni/{person_ruc[2:10]}")

    assert response.status_code == 200
    assert response.json()["ruc"] == person_ruc and response.json()["fuente"] == "padron"
    assert replica.stats()["queries"] == 0


def test_dni_takes_the_fuente_parameter_like_a_ruc(client, replica):
    response = client.get(f"/api/dni/{PERSON_DNI}", {"fuente": "otra"})

    assert response.status_code == 400 and response.json()["error"] == "parametro_invalido"
    assert response.json()["dni"] == PERSON_DNI


def _lines(zip_path):
    with zipfile.ZipFile(zip_path) as archive:
        return archive.read(archive.infolist()[0]).decode("iso-8859-1").splitlines()[1:]
