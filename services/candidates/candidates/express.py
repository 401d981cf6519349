"""The candidates service's hottest reads in the express lane (:mod:`shared.express`): a
profile by id and the filtered list, answered by the same functions as their routes."""

from services.candidates.candidates.router import candidate_document, candidate_page
from services.candidates.candidates.schemas import CandidateListQuery
from services.candidates.database import access_record
from shared.concurrency import etag
from shared.express import ExpressAnswer, ExpressRead, Lane, uuid_of


async def _profile(read: ExpressRead) -> ExpressAnswer:
    version, body = await candidate_document(read.hot_reads, read.principal,
                                             uuid_of(read.path_value), read.recorder)
    return ExpressAnswer(body.encode(), etag=etag(version))


async def _page(read: ExpressRead) -> ExpressAnswer:
    query = CandidateListQuery.model_validate(read.query)
    return ExpressAnswer(await candidate_page(read.hot_reads, read.principal, query,
                                              read.recorder))


LANES = (Lane("/v1/candidates/{candidate_id}", _profile, access_record),
         Lane("/v1/candidates", _page, access_record))
