// Only modules that are not registries: nothing to report.
module storage 'br:myacr.azurecr.io/bicep/modules/storage:v1' = {
  name: 'storage'
}

module importImage 'br/public:deployment-scripts/import-acr:3.0.1' = {
  name: 'importImage'
  params: {
    acrName: 'contosoacr'
  }
}
