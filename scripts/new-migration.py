"""Write a new Alembic revision from the difference between the models and the migrations."""

import sys
import tempfile

from alembic import command
from sqlalchemy import create_engine

from aggregator.store.migrate import alembic_config

with tempfile.NamedTemporaryFile(suffix=".db") as db:
    engine = create_engine(f"sqlite:///{db.name}")
    config = alembic_config(engine)
    command.upgrade(config, "head")
    command.revision(config, message=sys.argv[1], autogenerate=True)
