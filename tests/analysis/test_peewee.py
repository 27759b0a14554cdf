"""peewee models in migrations: queries are DG002, ORM writes DG004, reads DG005, only in a
file whose imports show peewee."""

from __future__ import annotations

import pytest
from ddlguard.model import Applicability

from .helpers import analyse

MODELS = (
    "import peewee as pw\n"
    "from alembic import op\n"
    "from app.models import Order\n\n"
    "class BaseModel(pw.Model):\n"
    "    class Meta:\n"
    "        database = None\n\n"
    "class User(BaseModel):\n"
    "    name = pw.CharField()\n\n"
)

BODY = (
    "def upgrade():\n"
    "    User.update(name='x').where(User.id == 1).execute()\n"
    "    User.insert(name='a').execute()\n"
    "    User.delete().where(User.id > 3).execute()\n"
    "    User.insert_many([{'name': 'b'}]).execute()\n"
    "    User.update(name='never run')\n"
    "    row = User.get(User.id == 1)\n"
    "    row.save()\n"
    "    User.create(name='z')\n"
    "    for u in User.select().where(User.name == 'q'):\n"
    "        u.delete_instance()\n"
    "    n = User.select().count()\n"
    "    o = Order(id=3)\n"
    "    o.save()\n"
    "    User.select()\n"
)


def test_peewee_queries_rows_and_reads() -> None:
    found = [(f.code, f.message) for f in analyse(MODELS + BODY)]
    assert found == [
        ("DG002", "UPDATE on User via peewee in upgrade()"),
        ("DG002", "INSERT on User via peewee in upgrade()"),
        ("DG002", "DELETE on User via peewee in upgrade()"),
        ("DG002", "INSERT on User via peewee in upgrade()"),
        ("DG005", "SELECT on User: rows read in upgrade()"),
        ("DG004", "ORM row.save() in upgrade()"),
        ("DG004", "ORM User.create() in upgrade()"),
        ("DG005", "SELECT on User: rows read in upgrade()"),
        ("DG004", "ORM u.delete_instance() in upgrade()"),
        ("DG005", "SELECT on User: rows read in upgrade()"),
        ("DG004", "ORM o.save() in upgrade()"),
    ]


def test_peewee_writes_are_never_movable() -> None:
    finding = analyse(MODELS + BODY)[0]
    assert finding.fix is not None and finding.fix.applicability is Applicability.NONE
    assert finding.fix.reason == "peewee queries are not rendered to SQL"
    assert finding.data["kind"] == "core" and finding.data["statement"] == "UPDATE on User"


@pytest.mark.parametrize(
    "imports",
    [
        "import sqlalchemy as pw\nfrom alembic import op\nfrom app.models import Order\n",
        "from app import pw\nfrom alembic import op\nfrom app.models import Order\n",
    ],
    ids=["sqlalchemy", "no peewee import"],
)
def test_the_same_calls_without_peewee_are_nothing(imports: str) -> None:
    source = MODELS.replace(MODELS.split("\n\n", 1)[0], imports.rstrip("\n")) + BODY
    assert "peewee" not in source
    assert analyse(source) == []


def test_a_class_not_deriving_from_a_peewee_model_is_not_one() -> None:
    source = (
        "import peewee\nfrom alembic import op\n\n"
        "class Helper:\n    pass\n\n"
        "def upgrade():\n    Helper.update(a=1).execute()\n    Helper.create()\n"
    )
    assert analyse(source) == []


def test_database_execute_sql_in_a_peewee_file() -> None:
    source = (
        "from playhouse.migrate import migrate\nfrom app import database\n\n"
        "def upgrade():\n    database.execute_sql('UPDATE users SET a = 1')\n"
    )
    assert [(f.code, f.message) for f in analyse(source)] == [
        ("DG001", "UPDATE on users in upgrade()")
    ]


def test_from_peewee_import_model() -> None:
    source = (
        "from peewee import Model, CharField\n\n"
        "class Tag(Model):\n    name = CharField()\n\n"
        "def upgrade():\n    Tag.delete().execute()\n"
    )
    assert [(f.code, f.message) for f in analyse(source)] == [
        ("DG002", "DELETE on Tag via peewee in upgrade()")
    ]


def test_sqlalchemy_core_in_a_peewee_file_is_still_core() -> None:
    source = (
        "import peewee\nimport sqlalchemy as sa\nfrom alembic import op\n"
        "users = sa.table('users', sa.column('id'))\n\n"
        "def upgrade():\n    op.execute(users.delete())\n"
    )
    assert [(f.code, f.message) for f in analyse(source)] == [
        ("DG002", "DELETE on users via SQLAlchemy Core in upgrade()")
    ]


def test_models_on_the_applications_base_class_and_rows_a_generator_yields() -> None:
    source = (
        "from peewee import *\nfrom data.database import BaseModel\n\n"
        "class Trigger(BaseModel):\n    config = TextField()\n\n"
        "def _iterate(model_class, clause):\n"
        "    for row in list(model_class.select().where(clause).limit(100)):\n"
        "        yield row\n\n"
        "def upgrade(op, tables, tester):\n"
        "    for trigger in _iterate(Trigger, Trigger.config >> None):\n"
        "        trigger.config = '{}'\n"
        "        trigger.save()\n"
    )
    assert [(f.code, f.message) for f in analyse(source)] == [
        ("DG005", "SELECT on Trigger: rows read in _iterate()"),
        ("DG004", "ORM trigger.save() in upgrade()"),
    ]
