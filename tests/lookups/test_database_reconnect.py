"""A connection PostgreSQL dropped (a restart drops them all) is replaced before the next request or
queue job uses it, instead of failing it (issue 26, point 7)."""

import psycopg
import pytest
from django.db import close_old_connections, connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_dropped_connection_is_replaced_before_the_next_job_uses_it():
    if connection.vendor != "postgresql":
        pytest.skip("the first pass: SQLite has no server to drop connections")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as server_side:
        server_side.execute("SELECT pg_terminate_backend(%s)", [pid])

    close_old_connections()  # what Django does before each request, and django-q2 before each job

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
