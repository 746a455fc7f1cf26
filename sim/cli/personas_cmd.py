"""`sim personas generate`: write a persona set drawn from a population spec into a world."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.errors import SimInputError

personas_app = typer.Typer(
    name="personas", no_args_is_help=True, help="Make persona sets.", add_completion=False
)


@personas_app.command("generate")
def generate_command(
    spec: Annotated[Path, typer.Option(help="population spec YAML (see docs/population.md)")],
    out: Annotated[Path, typer.Option(help="directory to write one YAML per persona into")],
    n: Annotated[int, typer.Option("--n", help="how many personas")] = 50,
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same files")] = 0,
    world: Annotated[
        Path | None, typer.Option(help="world to live in (default: the spec's `world`)")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="replace YAML files already in --out")] = False,
) -> None:
    """Draw N personas from SPEC's marginals, with homes, jobs, routines and relationships."""
    from sim.population import generate, load_spec, write_personas
    from sim.world.files import shown
    from sim.world.map import load_world

    population, path = load_spec(spec)
    if world is None:
        if population.world is None:
            raise SimInputError(
                shown(path), "world", "the spec names no world", "add `world:` or pass --world"
            )
        world = path.parent / population.world
    town = load_world(world)
    people = generate(population, shown(path), town, n, seed)
    files = write_personas(people, out, overwrite)
    print(f"wrote {len(files)} personas for {town.name} to {shown(out)}")
