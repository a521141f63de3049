"""Alembic environment: the engine comes from aggregator.store.migrate (or LOTSE_DATABASE_URL)."""

from alembic import context

from aggregator.config import Settings
from aggregator.store.models import Base

engine = context.config.attributes.get("engine")
if engine is None:
    from aggregator.store.engine import make_engine

    engine = make_engine(Settings.from_env().database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
