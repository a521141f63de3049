"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from aggregator.store.migrate import MIGRATIONS, alembic_config
from aggregator.store.models import Base


def test_migrations_have_a_single_head(store) -> None:
    heads = ScriptDirectory.from_config(alembic_config(store.engine)).get_heads()
    assert len(heads) == 1, f"merge the heads: {heads}"


def test_the_migrated_schema_equals_the_models(store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"write a migration ({MIGRATIONS}): {differences}"
